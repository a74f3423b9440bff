# Export the two public microdata files of tests/data/public/ from their R packages.
#
# Documents provenance only: CI has no R and never runs this. Run from the repository root:
#     apt-get install --no-install-recommends r-cran-cardata r-cran-laeken
#     Rscript scripts/export_public_data.R
# Factors are written as their labels (as the packages' authors wrote them), NA as an empty
# field, numbers as R writes them (up to 15 significant digits). Sources and licences:
# tests/data/public/README.md.
out <- "tests/data/public"

# carData 3.0-5 (GPL >= 2): GSSvocab, US General Social Survey (NORC), 1978-2016.
# The row names are "<year>.<GSS respondent id>": written as the column "id".
data("GSSvocab", package = "carData")
gss <- cbind(id = rownames(GSSvocab), GSSvocab)
con <- gzfile(file.path(out, "gss_vocab.csv.gz"), "w")
write.csv(gss, con, row.names = FALSE, na = "")
close(con)

# laeken 0.5.2 (GPL >= 2): eusilc, synthetic EU-SILC data (Austria, 2006). Row names are 1..n.
data("eusilc", package = "laeken")
con <- gzfile(file.path(out, "eusilc_at_2006.csv.gz"), "w")
write.csv(eusilc, con, row.names = FALSE, na = "")
close(con)
