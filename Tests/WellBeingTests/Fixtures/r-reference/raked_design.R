# Raking from unequal design weights, which the lwc-3000 reference does not cover (it starts from N/n):
# R survey's rake() from w0 = 1, 1.5, 2, 1, … (by row), to age_band×sex then region, and the calibrated
# means and SEs of three categories and life satisfaction, whole area and by region.
#   Rscript Tests/WellBeingTests/Fixtures/r-reference/raked_design.R ../shared/fixtures/lwc-3000
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
fixture_dir <- if (length(args) >= 1) args[1] else "../shared/fixtures/lwc-3000"
out_dir <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))))
d <- read.csv(file.path(fixture_dir, "responses_2025.csv"), stringsAsFactors = FALSE)
pop <- read.csv(file.path(fixture_dir, "population.csv"), stringsAsFactors = FALSE)
d$w0 <- 1 + (seq_len(nrow(d)) %% 3) * 0.5
for (q in c("q08", "q30", "q32", "q40")) d[[q]] <- 6 - d[[q]]
for (k in c(1, 4, 20)) { items <- sprintf("q%02d", c(2*k-1, 2*k)); v <- sprintf("c%02d", k); d[[v]] <- rowMeans(d[, items], na.rm = TRUE); d[[v]][is.nan(d[[v]])] <- NA }
d$agesex <- paste(d$age_band, d$sex); pop$agesex <- paste(pop$age_band, pop$sex)
des <- svydesign(ids = ~1, weights = ~w0, data = d)
a <- aggregate(count ~ agesex, pop, sum); names(a) <- c("agesex", "Freq")
r <- aggregate(count ~ region, pop, sum); names(r) <- c("region", "Freq")
rk <- rake(des, list(~agesex, ~region), list(a, r), control = list(maxit = 100, epsilon = 1e-12))
out <- list()
for (v in c("c01", "c04", "c20", "life_satisfaction")) {
  f <- as.formula(paste0("~", v))
  m <- svymean(f, rk, na.rm = TRUE); b <- svyby(f, ~region, rk, svymean, na.rm = TRUE)
  out[[v]] <- list(overall = list(mean = unname(coef(m)), se = unname(as.numeric(SE(m)))))
  for (g in as.character(b$region)) out[[v]][[g]] <- list(mean = b[b$region == g, v], se = b[b$region == g, "se"])
}
write_json(out, file.path(out_dir, "raked_design.json"), digits = 15, auto_unbox = TRUE, pretty = TRUE)
