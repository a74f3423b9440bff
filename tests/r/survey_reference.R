# The reference side of tests/test_variance_r.py: R's survey package (Lumley) on its own
# `api` data (California schools). Run as
#     Rscript tests/r/survey_reference.R OUTDIR
# It writes into OUTDIR, for every design of the comparison:
#   data_<design>.csv    the records censusmig reads: id, region (stype), sex (sch.wide),
#                        disability (comp.imp), the weight, the design columns and, for a
#                        replicate design, its replicate weights RW1..RWn (R's "analysis"
#                        weights: the full-sample weight times the replicate's multiplier)
#   designs.csv          design -> data file, method, strata/psu/fpc columns, lonely.psu,
#                        replicate count, scale, mse, rho; rscales_<design>.csv per replicate
#   results.csv          design, recipe, the R function, the cell (censusmig's codes),
#                        measure (total or percent, percent as R's proportion), estimate, SE
# and results.csv rows with function "error" carry R's error message (survey.lonely.psu =
# "fail"). Numbers are written with 17 significant digits (exact doubles).
#
# How the schools become censusmig's persons (censusmig counts persons by categorical
# dimensions, so the categorical columns of the api data are mapped onto dimensions):
#   region     <- stype     (E, H, M: elementary, high, middle school; the profile's geography)
#   sex        <- sch.wide  (Yes -> "1" -> M, No -> "2" -> F: met the school-wide growth target)
#   disability <- comp.imp  (Yes -> "1" -> with_disability, No -> "2" -> without_disability:
#                            met the comparable-improvement target)
# so a censusmig cell (region E, sex M) is R's domain total of the indicator
# I(stype == "E" & sch.wide == "Yes"), and its percent of the region is R's
# svyby(~sch.wide, ~stype, svymean) proportion (a ratio estimator).

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[[1]] else "."
dir.create(out, showWarnings = FALSE, recursive = TRUE)
data(api)

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

write_records <- function(frame, name) {
  numeric <- vapply(frame, is.numeric, logical(1))
  frame[numeric] <- lapply(frame[numeric], num)
  write.csv(frame, file.path(out, paste0("data_", name, ".csv")), row.names = FALSE,
            quote = FALSE)
}

records <- function(api) {
  data.frame(
    id = seq_len(nrow(api)),
    region = as.character(api$stype),
    sex = ifelse(api$sch.wide == "Yes", 1L, 2L),
    disability = ifelse(api$comp.imp == "Yes", 1L, 2L),
    pw = api$pw,
    stringsAsFactors = FALSE
  )
}

with_indicators <- function(frame) {
  frame$one <- 1
  for (r in c("E", "H", "M")) frame[[paste0("reg_", r)]] <- as.numeric(frame$region == r)
  frame$sex_M <- as.numeric(frame$sex == 1)
  frame$sex_F <- as.numeric(frame$sex == 2)
  frame$dis_with <- as.numeric(frame$disability == 1)
  frame$dis_without <- as.numeric(frame$disability == 2)
  for (d in c("with", "without")) for (s in c("M", "F")) {
    frame[[paste0("c_", d, "_", s)]] <- frame[[paste0("dis_", d)]] * frame[[paste0("sex_", s)]]
  }
  for (r in c("E", "H", "M")) for (s in c("M", "F")) {
    frame[[paste0("rs_", r, "_", s)]] <- frame[[paste0("reg_", r)]] * frame[[paste0("sex_", s)]]
  }
  frame$region_f <- factor(frame$region)
  frame
}

rows <- list()
add <- function(design, recipe, fun, row, sex, measure, estimate, se) {
  rows[[length(rows) + 1]] <<- data.frame(
    design = design, recipe = recipe, fun = fun, row = row, sex = sex, measure = measure,
    estimate = num(estimate), se = num(se), message = "", stringsAsFactors = FALSE
  )
}
add_error <- function(design, message) {
  rows[[length(rows) + 1]] <<- data.frame(
    design = design, recipe = "", fun = "error", row = "", sex = "", measure = "",
    estimate = "NA", se = "NA", message = gsub("[\r\n,]", " ", message),
    stringsAsFactors = FALSE
  )
}

sexes <- c(M = "sex_M", F = "sex_F")

# The SEs of a statistic by name (SE() drops the names on a replicate design).
se_of <- function(stat) setNames(as.vector(SE(stat)), names(coef(stat)))

# Every quantity compared, on one design (svydesign or svrepdesign alike).
estimate_all <- function(name, des) {
  # Recipe api_region_sex: rows region, columns sex, percent of the region (percent_of sex).
  by_total <- svyby(~sex_M + sex_F, ~region_f, des, svytotal)
  by_mean <- svyby(~sex_M + sex_F, ~region_f, des, svymean)
  # SE() rather than the se columns: svyby names them se.<var> or se1, se2 by design class.
  by_total_se <- as.matrix(SE(by_total))
  by_mean_se <- as.matrix(SE(by_mean))
  for (r in c("E", "H", "M")) for (s in names(sexes)) {
    v <- sexes[[s]]
    k <- match(v, sexes)
    add(name, "api_region_sex", "svyby_svytotal", r, s, "total",
        by_total[r, v], by_total_se[r, k])
    add(name, "api_region_sex", "svyby_svymean", r, s, "percent",
        by_mean[r, v], by_mean_se[r, k])
    # The same domain total as svytotal of the cell's indicator on the full design (svyby
    # subsets the design first: under lonely.psu = "average" that counts only the strata
    # with records in the domain; see test_variance_r.py).
    indicator <- as.formula(paste0("~rs_", r, "_", s))
    cell <- svytotal(indicator, des)
    add(name, "api_region_sex", "svytotal", r, s, "total", coef(cell)[[1]], se_of(cell)[[1]])
    ratio <- svyratio(indicator, as.formula(paste0("~reg_", r)), des)
    add(name, "api_region_sex", "svyratio", r, s, "percent", coef(ratio)[[1]], se_of(ratio)[[1]])
  }
  region_total <- svytotal(~reg_E + reg_H + reg_M, des)
  for (r in c("E", "H", "M")) {
    v <- paste0("reg_", r)
    add(name, "api_region_sex", "svytotal", r, "_T", "total", coef(region_total)[[v]],
        se_of(region_total)[[v]])
  }
  sex_total <- svytotal(~sex_M + sex_F, des)
  sex_mean <- svymean(~sex_M + sex_F, des)
  for (s in names(sexes)) {
    v <- sexes[[s]]
    add(name, "api_region_sex", "svytotal", "_T", s, "total", coef(sex_total)[[v]],
        se_of(sex_total)[[v]])
    add(name, "api_region_sex", "svymean", "_T", s, "percent", coef(sex_mean)[[v]],
        se_of(sex_mean)[[v]])
  }
  everyone <- svytotal(~one, des)
  add(name, "api_region_sex", "svytotal", "_T", "_T", "total", coef(everyone)[[1]],
      se_of(everyone)[[1]])

  # Recipe api_disability_sex: rows disability, columns sex, percent of the grand total.
  cells <- c("c_with_M", "c_with_F", "c_without_M", "c_without_F")
  cell_total <- svytotal(~c_with_M + c_with_F + c_without_M + c_without_F, des)
  cell_mean <- svymean(~c_with_M + c_with_F + c_without_M + c_without_F, des)
  for (v in cells) {
    parts <- strsplit(v, "_")[[1]]
    row <- paste0(parts[[2]], "_disability")
    add(name, "api_disability_sex", "svytotal", row, parts[[3]], "total",
        coef(cell_total)[[v]], se_of(cell_total)[[v]])
    add(name, "api_disability_sex", "svymean", row, parts[[3]], "percent",
        coef(cell_mean)[[v]], se_of(cell_mean)[[v]])
  }
  dis_total <- svytotal(~dis_with + dis_without, des)
  dis_mean <- svymean(~dis_with + dis_without, des)
  for (d in c("with", "without")) {
    v <- paste0("dis_", d)
    row <- paste0(d, "_disability")
    add(name, "api_disability_sex", "svytotal", row, "_T", "total", coef(dis_total)[[v]],
        se_of(dis_total)[[v]])
    add(name, "api_disability_sex", "svymean", row, "_T", "percent", coef(dis_mean)[[v]],
        se_of(dis_mean)[[v]])
  }
  for (s in names(sexes)) {
    v <- sexes[[s]]
    add(name, "api_disability_sex", "svytotal", "_T", s, "total", coef(sex_total)[[v]],
        se_of(sex_total)[[v]])
    add(name, "api_disability_sex", "svymean", "_T", s, "percent", coef(sex_mean)[[v]],
        se_of(sex_mean)[[v]])
  }
  add(name, "api_disability_sex", "svytotal", "_T", "_T", "total", coef(everyone)[[1]],
      se_of(everyone)[[1]])
}

designs <- list()
describe <- function(name, data, method, strata = "", psu = "", fpc = "", lonely = "",
                     rep = NULL) {
  replicates <- if (is.null(rep)) 0L else ncol(rep$repweights)
  designs[[length(designs) + 1]] <<- data.frame(
    design = name, data = paste0("data_", data, ".csv"), method = method, strata = strata,
    psu = psu, fpc = fpc, lonely_psu = lonely, replicates = replicates,
    scale = if (is.null(rep)) "NA" else num(rep$scale),
    mse = if (is.null(rep)) "NA" else as.character(rep$mse),
    rho = if (is.null(rep) || is.null(rep$rho)) "NA" else num(rep$rho),
    stringsAsFactors = FALSE
  )
  if (!is.null(rep)) {
    rscales <- rep(rep$rscales, length.out = replicates)
    write.csv(data.frame(rscale = num(rscales)), file.path(out, paste0("rscales_", name, ".csv")),
              row.names = FALSE, quote = FALSE)
  }
}

replicate_records <- function(frame, rep) {
  weights <- weights(rep, type = "analysis")
  colnames(weights) <- paste0("RW", seq_len(ncol(weights)))
  cbind(frame, as.data.frame(weights))
}

options(survey.lonely.psu = "fail")

# Stratified sample of schools, every school its own PSU; strata = school type.
strat <- records(apistrat)
strat$stratum <- as.character(apistrat$stype)
strat$fpc <- apistrat$fpc  # schools of the type in California (N_h)
write_records(strat, "strat")
strat_i <- with_indicators(strat)
dstrat <- svydesign(id = ~1, strata = ~stratum, weights = ~pw, data = strat_i)
estimate_all("strat", dstrat)
describe("strat", "strat", "taylor", strata = "stratum")
dstrat_fpc <- svydesign(id = ~1, strata = ~stratum, weights = ~pw, fpc = ~fpc, data = strat_i)
estimate_all("strat_fpc", dstrat_fpc)
describe("strat_fpc", "strat", "taylor", strata = "stratum", fpc = "fpc")

# One-stage cluster sample: 15 school districts of 757 (fpc), every school of each.
clus1 <- records(apiclus1)
clus1$dnum <- apiclus1$dnum
clus1$fpc <- apiclus1$fpc
write_records(clus1, "clus1")
clus1_i <- with_indicators(clus1)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1_i)
estimate_all("clus1", dclus1)
describe("clus1", "clus1", "taylor", psu = "dnum", fpc = "fpc")

# Two-stage cluster sample (districts, then schools), without fpc: R's with-replacement
# ultimate-cluster variance, from the district (PSU) totals alone.
clus2 <- records(apiclus2)
clus2$dnum <- apiclus2$dnum
clus2$snum <- apiclus2$snum
write_records(clus2, "clus2")
clus2_i <- with_indicators(clus2)
dclus2 <- svydesign(id = ~dnum + snum, weights = ~pw, data = clus2_i)
estimate_all("clus2", dclus2)
describe("clus2", "clus2", "taylor", psu = "dnum")

# Replicate designs from as.svrepdesign. JK1 on the one-stage cluster design (R's default
# mse = FALSE: deviations from the replicates' mean).
rep_jk1 <- as.svrepdesign(dclus1, type = "JK1")
write_records(replicate_records(clus1, rep_jk1), "jk1")
estimate_all("jk1", rep_jk1)
describe("jk1", "jk1", "jk1", rep = rep_jk1)

# Bootstrap (Canty-Davison, with the fpc) on the same design, mse = TRUE (deviations from the
# full-sample estimate).
set.seed(15)
rep_boot <- as.svrepdesign(dclus1, type = "bootstrap", replicates = 50, mse = TRUE)
write_records(replicate_records(clus1, rep_boot), "bootstrap")
estimate_all("bootstrap", rep_boot)
describe("bootstrap", "bootstrap", "bootstrap", rep = rep_boot)

# JKn on the stratified design with fpc: one replicate per school, rscales (n_h - 1)/n_h
# times (1 - n_h/N_h), given per replicate.
rep_jkn <- as.svrepdesign(dstrat_fpc, type = "JKn")
write_records(replicate_records(strat, rep_jkn), "jkn")
estimate_all("jkn", rep_jkn)
describe("jkn", "jkn", "jkn", rep = rep_jkn)

# BRR and Fay need exactly 2 PSUs per stratum, which no api design has: this one is built
# from apistrat as public-use files build variance strata. Within each school type, schools
# in snum order are grouped 10 at a time into 20 variance strata, each of 2 PSUs of 5 schools
# (the first 5 and the next 5). The weights stay apistrat's pw.
paired <- records(apistrat)
order_in_type <- ave(apistrat$snum, apistrat$stype, FUN = function(x) rank(x, ties.method = "first")) - 1
paired$stratum <- paste0(apistrat$stype, order_in_type %/% 10)
paired$psu <- (order_in_type %/% 5) %% 2 + 1
write_records(paired, "paired")
paired_i <- with_indicators(paired)
dpaired <- svydesign(id = ~psu, strata = ~stratum, weights = ~pw, nest = TRUE, data = paired_i)
estimate_all("paired", dpaired)
describe("paired", "paired", "taylor", strata = "stratum", psu = "psu")
rep_brr <- as.svrepdesign(dpaired, type = "BRR")
write_records(replicate_records(paired, rep_brr), "brr")
estimate_all("brr", rep_brr)
describe("brr", "brr", "brr", rep = rep_brr)
rep_fay <- as.svrepdesign(dpaired, type = "Fay", fay.rho = 0.3)
write_records(replicate_records(paired, rep_fay), "fay")
estimate_all("fay", rep_fay)
describe("fay", "fay", "fay", rep = rep_fay)

# A lonely PSU: the paired design with its last stratum (M4) left with one PSU (its two PSUs
# merged), under each survey.lonely.psu option; "fail" must stop R, and censusmig alike.
lonely <- paired
lonely$psu[lonely$stratum == "M4"] <- 1
write_records(lonely, "lonely")
lonely_i <- with_indicators(lonely)
for (option in c("certainty", "remove", "adjust", "average", "fail")) {
  options(survey.lonely.psu = option)
  name <- paste0("lonely_", option)
  dlonely <- svydesign(id = ~psu, strata = ~stratum, weights = ~pw, nest = TRUE, data = lonely_i)
  describe(name, "lonely", "taylor", strata = "stratum", psu = "psu", lonely = option)
  if (option == "fail") {
    message <- tryCatch({
      svytotal(~one, dlonely)
      "no error"
    }, error = function(e) conditionMessage(e))
    add_error(name, message)
  } else {
    estimate_all(name, dlonely)
  }
}
options(survey.lonely.psu = "fail")

write.csv(do.call(rbind, rows), file.path(out, "results.csv"), row.names = FALSE)
write.csv(do.call(rbind, designs), file.path(out, "designs.csv"), row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n", file = file.path(out, "VERSION"))
