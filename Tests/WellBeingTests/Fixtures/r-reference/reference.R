# Reference figures for the real-data tests (Tests/WellBeingTests/RealDataTests.swift), computed with R's
# survey package. Rerun from the repository root:
#   apt-get install -y --no-install-recommends r-base-core r-cran-survey r-cran-psych r-cran-jsonlite
#   Rscript Tests/WellBeingTests/Fixtures/r-reference/reference.R ../shared/data
# It writes wineq.json and oecd.json beside this script.
suppressPackageStartupMessages({ library(survey); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
data_dir <- if (length(args) >= 1) args[1] else "../shared/data"
out_dir <- dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(), value = TRUE))))
options(survey.lonely.psu = "fail")

# --- wINEQ: means with SE by Area within each Year (design weight Weight), and the trend 2015 -> 2019 ---
w <- read.csv(file.path(data_dir, "wINEQ_Well_being.csv"))
items <- paste0("V", 1:23)
for (v in items) w[[v]] <- as.numeric(w[[v]])
estimate <- function(d, v) {
  f <- as.formula(paste0("~", v))
  overall <- svymean(f, d, na.rm = TRUE)
  by_area <- svyby(f, ~Area, d, svymean, na.rm = TRUE)
  res <- list(overall = list(mean = unname(coef(overall)), se = unname(as.numeric(SE(overall))),
                             n = sum(!is.na(d$variables[[v]]))))
  for (a in as.character(by_area$Area)) {
    row <- by_area[by_area$Area == a, ]
    res[[a]] <- list(mean = unname(row[[v]]), se = unname(row[[paste0("se")]]),
                     n = sum(!is.na(d$variables[[v]]) & d$variables$Area == a))
  }
  res
}
wineq <- list()
for (year in sort(unique(w$Year))) {
  d <- svydesign(ids = ~1, weights = ~Weight, data = w[w$Year == year, ])
  wineq[[as.character(year)]] <- setNames(lapply(items, function(v) estimate(d, v)), items)
}
trend <- list()
for (v in items) {
  t <- list()
  for (place in c("overall", "Rural", "Urban")) {
    a <- wineq[["2015"]][[v]][[place]]; b <- wineq[["2019"]][[v]][[place]]
    se <- sqrt(a$se^2 + b$se^2)
    t[[place]] <- list(diff = b$mean - a$mean, se = se, significant = abs(b$mean - a$mean) > 1.96 * se)
  }
  trend[[v]] <- t
}
write_json(list(periods = wineq, trend = trend), file.path(out_dir, "wineq.json"), digits = 15, auto_unbox = TRUE,
           pretty = TRUE)

# --- OECD regional well-being: subjective (Life_satisfaction, Support) beside objective indicators ---
# ".." marks a missing value; a region without a value has no score for that indicator.
o <- read.csv(file.path(data_dir, "pradadata_oecd_regional_wellbeing.csv"), check.names = FALSE,
              na.strings = c("..", "NA"))
names(o)[names(o) == "PM25)"] <- "PM25"
dev <- function(x) {   # deviation scores among the regions with a value; population SD (divisor N)
  m <- mean(x, na.rm = TRUE)
  50 + 10 * (x - m) / sqrt(mean((x - m)^2, na.rm = TRUE))
}
kpis <- data.frame(
  kpi = c("Employment", "Unemployment", "income_capita", "Mortality", "Life_expectancy", "PM25", "Rooms",
          "Broadband", "Voter", "Homicide"),
  category = c(rep("life", 8), rep("community", 2)),
  direction = c(1, -1, 1, -1, 1, -1, 1, 1, 1, -1))
scores <- sapply(seq_len(nrow(kpis)), function(i) 50 + kpis$direction[i] * (dev(o[[kpis$kpi[i]]]) - 50))
colnames(scores) <- kpis$kpi
subjective <- list(life = dev(o$Life_satisfaction), community = dev(o$Support))
rows <- list()
for (category in c("life", "community")) {
  objective <- rowMeans(scores[, kpis$kpi[kpis$category == category], drop = FALSE], na.rm = TRUE)
  objective[is.nan(objective)] <- NA
  gap <- subjective[[category]] - objective
  rows[[category]] <- data.frame(code = o$Code, subjective = subjective[[category]], objective = objective,
                                 gap = gap, flagged = !is.na(gap) & abs(gap) >= 10)
}
write_json(list(kpis = kpis, rows = rows), file.path(out_dir, "oecd.json"), digits = 15, auto_unbox = TRUE,
           pretty = TRUE, dataframe = "rows")
cat("wrote wineq.json and oecd.json\n")
