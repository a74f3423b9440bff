# The reference side of tests/test_variance_random_r.py: R's survey package (Lumley) on small
# random survey files. Run as
#     Rscript tests/r/survey_random.R DIR
# DIR holds cases.csv (case, data file, strata / psu / fpc columns or "", lonely_psu, seed,
# replicate designs to build, ";"-separated: method:mse|mean, bootstrap:R:..., fay:rho:...)
# and each case's records: id, region, sex (the raw codes censusmig reads), w (weight), the
# design columns, and rcat / scat, the region and sex category censusmig gives each record
# ("1".."4", "_U", "_X"; "M", "F", "_U", "_X"). It writes into DIR:
#   designs.csv     case, design (taylor or the replicate method), data file, method,
#                   replicates, scale, mse, rho, rscales (";"-separated, one per replicate),
#                   error (R's message when as.svrepdesign could not build the design)
#   data_<case>_<method>.csv   a replicate design's records with RW1..RWn, R's "analysis"
#                   weights (the full-sample weight times the replicate's multiplier)
#   results.csv     case, design, recipe, R function, cell (region, sex; "_T" a margin),
#                   measure (total, or percent as R's proportion), estimate, SE, dropped
#                   (a ratio on a replicate design: replicates whose denominator is 0)
# Numbers are written with 17 significant digits (exact doubles).
#
# The cells: every (region, sex) category pair and margin is an indicator column c_<r>_<s>;
# its total is svytotal on the full design (censusmig's cell value and SE); its share of its
# region (recipe rfuzz_region_sex, percent_of sex) is svyratio(c_r_s, c_r_T); its share of the
# grand total (rfuzz_share) svymean; and svyby(svytotal / svymean) by region gives the same
# domain estimates after subsetting the design.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
out <- args[[1]]

num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
tag <- function(code) sub("^_", "", code)
REGIONS <- c("1", "2", "3", "4", "_U", "_X", "_T")
SEXES <- c("M", "F", "_U", "_X", "_T")
cell_name <- function(r, s) paste0("c_", tag(r), "_", tag(s))

with_indicators <- function(frame) {
  for (r in REGIONS) for (s in SEXES) {
    in_r <- if (r == "_T") TRUE else frame$rcat == r
    in_s <- if (s == "_T") TRUE else frame$scat == s
    frame[[cell_name(r, s)]] <- as.numeric(in_r & in_s)
  }
  frame$region_f <- factor(frame$rcat)
  frame
}

rows <- list()
add <- function(case, design, recipe, fun, region, sex, measure, estimate, se, dropped = 0L) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, design = design, recipe = recipe, fun = fun, region = region, sex = sex,
    measure = measure, estimate = num(estimate), se = num(se), dropped = dropped,
    stringsAsFactors = FALSE
  )
}

formula_of <- function(vars) as.formula(paste("~", paste(vars, collapse = " + ")))

estimate_all <- function(case, name, des) {
  grid <- expand.grid(r = REGIONS, s = SEXES, stringsAsFactors = FALSE)
  vars <- cell_name(grid$r, grid$s)
  total <- svytotal(formula_of(vars), des)
  mean <- svymean(formula_of(vars), des)
  total_se <- as.vector(SE(total))
  mean_se <- as.vector(SE(mean))
  add(case, name, "rfuzz_region_sex", "svytotal", grid$r, grid$s, "total",
      as.vector(coef(total)), total_se)
  add(case, name, "rfuzz_share", "svymean", grid$r, grid$s, "percent",
      as.vector(coef(mean)), mean_se)
  # Replicates in which a region's total is 0: R's svrVar drops the NaN ratios they give
  # ("replicates gave NA results and were discarded"), keeping the scale (column dropped).
  zero_replicates <- function(r) {
    if (!inherits(des, "svyrep.design")) return(0L)
    totals <- colSums(weights(des, type = "analysis") * des$variables[[cell_name(r, "_T")]])
    sum(totals == 0)
  }
  for (r in REGIONS) {
    numerators <- cell_name(r, SEXES)
    # A region without records has no ratio (on a replicate design R stops: "All replicates
    # contained NAs"); written as NaN, as censusmig gives none.
    ratio <- tryCatch(
      svyratio(formula_of(numerators), formula_of(cell_name(r, "_T")), des),
      error = function(e) NULL
    )
    if (is.null(ratio)) {
      add(case, name, "rfuzz_region_sex", "svyratio", r, SEXES, "percent", NaN, NaN)
    } else {
      add(case, name, "rfuzz_region_sex", "svyratio", r, SEXES, "percent",
          as.vector(coef(ratio)), as.vector(SE(ratio)), zero_replicates(r))
    }
  }
  # Domains after subsetting the design (the regions with records).
  by_vars <- cell_name("_T", SEXES)
  by_total <- svyby(formula_of(by_vars), ~region_f, des, svytotal)
  by_mean <- svyby(formula_of(by_vars), ~region_f, des, svymean)
  by_total_se <- as.matrix(SE(by_total))
  by_mean_se <- as.matrix(SE(by_mean))
  for (r in levels(des$variables$region_f)) {
    i <- match(r, as.character(by_total$region_f))
    add(case, name, "rfuzz_region_sex", "svyby_svytotal", r, SEXES, "total",
        unlist(by_total[i, by_vars]), by_total_se[i, ])
    add(case, name, "rfuzz_region_sex", "svyby_svymean", r, SEXES, "percent",
        unlist(by_mean[i, by_vars]), by_mean_se[i, ], zero_replicates(r))
  }
}

designs <- list()
describe <- function(case, name, data, method, rep = NULL, error = "") {
  replicates <- if (is.null(rep)) 0L else ncol(weights(rep, type = "analysis"))
  rscales <- if (is.null(rep)) "" else
    paste(num(rep(rep$rscales, length.out = replicates)), collapse = ";")
  designs[[length(designs) + 1]] <<- data.frame(
    case = case, design = name, data = data, method = method, replicates = replicates,
    scale = if (is.null(rep)) "NA" else num(rep$scale),
    mse = if (is.null(rep)) "NA" else as.character(rep$mse),
    rho = if (is.null(rep) || is.null(rep$rho)) "NA" else num(rep$rho),
    rscales = rscales, error = gsub("[\r\n,\"]", " ", error), stringsAsFactors = FALSE
  )
}

# R's default survey.drop.replicates = TRUE drops the replicates of a stratum sampled whole
# (fpc = its PSUs) from a JKn design; with mse = TRUE survey 4.1.1 then gives absurd SEs (on
# one case 5,889,465 instead of 45,174.68, the Taylor SE that mse = FALSE and the design with
# every replicate both give). Kept, such replicates have rscale 0.
options(survey.drop.replicates = FALSE)

TYPES <- c(jk1 = "JK1", jkn = "JKn", bootstrap = "bootstrap", brr = "BRR", fay = "Fay")

cases <- read.csv(file.path(out, "cases.csv"), colClasses = "character")
for (k in seq_len(nrow(cases))) {
  row <- cases[k, ]
  raw <- read.csv(file.path(out, row$data), colClasses = "character", na.strings = character())
  frame <- raw
  frame$w <- as.numeric(frame$w)
  if (row$fpc != "") frame$fpc <- as.numeric(frame$fpc)
  frame <- with_indicators(frame)
  options(survey.lonely.psu = row$lonely_psu)
  design_args <- list(ids = if (row$psu == "") ~1 else as.formula(paste0("~", row$psu)),
                      weights = ~w, data = frame, nest = TRUE)
  if (row$strata != "") design_args$strata <- as.formula(paste0("~", row$strata))
  if (row$fpc != "") design_args$fpc <- as.formula(paste0("~", row$fpc))
  des <- do.call(svydesign, design_args)
  describe(row$case, "taylor", row$data, "taylor")
  estimate_all(row$case, "taylor", des)
  for (spec in strsplit(row$replicate, ";")[[1]]) {
    parts <- strsplit(spec, ":")[[1]]
    method <- parts[[1]]
    mse <- parts[[length(parts)]] == "mse"
    data <- paste0("data_", row$case, "_", method, ".csv")
    rep <- tryCatch({
      if (method == "bootstrap") {
        set.seed(as.integer(row$seed))
        as.svrepdesign(des, type = "bootstrap", replicates = as.integer(parts[[2]]), mse = mse)
      } else if (method == "fay") {
        as.svrepdesign(des, type = "Fay", fay.rho = as.numeric(parts[[2]]), mse = mse)
      } else {
        as.svrepdesign(des, type = TYPES[[method]], mse = mse)
      }
    }, error = function(e) conditionMessage(e))
    if (is.character(rep)) {
      describe(row$case, method, data, method, error = rep)
      next
    }
    weights <- weights(rep, type = "analysis")
    replicate_weights <- as.data.frame(matrix(num(weights), nrow = nrow(weights)))
    colnames(replicate_weights) <- paste0("RW", seq_len(ncol(weights)))
    write.csv(cbind(raw, replicate_weights), file.path(out, data), row.names = FALSE,
              quote = FALSE, na = "")
    describe(row$case, method, data, method, rep = rep)
    estimate_all(row$case, method, rep)
  }
}

write.csv(do.call(rbind, rows), file.path(out, "results.csv"), row.names = FALSE)
write.csv(do.call(rbind, designs), file.path(out, "designs.csv"), row.names = FALSE)
cat("survey", as.character(packageVersion("survey")), "\n", file = file.path(out, "VERSION"))
