import GRDB

/// The store's schema as a history of migrations. A shipped migration is never edited: add a new one.
///
/// Both backends share one history: the same identifiers in the same order (`identifiers`), each written here
/// for SQLite and in `PostgresSchema` for PostgreSQL where the dialects differ.
enum StoreSchema {
    /// The migrations of every backend, in order.
    static let identifiers = [
        "001 initial schema", "002 reference figures with an optional sd", "003 sample sizes", "004 explicit row order",
        "005 targets", "006 boundaries", "007 accounts", "008 answered days", "009 sessions",
    ]

    /// Marks an SQLite file as a wellbeing store (`PRAGMA application_id`, "WBST").
    static let applicationID: Int32 = 0x5742_5354

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("001 initial schema") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.create(table: "instrument") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("surveyId", .text).notNull()
                t.column("version", .text).notNull()
                t.column("sha256", .text).notNull().unique()
                t.column("fileName", .text).notNull()
                t.column("yaml", .text).notNull()
                t.column("importedAt", .text).notNull()
            }
            try db.create(table: "batch") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                    .check(sql: "kind IN ('responses', 'kpis', 'population', 'reference')")
                t.column("surveyId", .text).notNull()
                t.column("instrumentId", .integer).references("instrument")
                t.column("fileName", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("rowCount", .integer).notNull().check { $0 >= 0 }
                t.column("rejectedCount", .integer).notNull().defaults(to: 0)
                t.column("periods", .text).notNull()
                t.column("encoding", .text).notNull()
                t.column("options", .text).notNull().defaults(to: "")
                t.column("importedAt", .text).notNull()
                t.column("toolVersion", .text).notNull()
            }
            try db.create(index: "batch_file", on: "batch", columns: ["kind", "surveyId", "sha256"], unique: true)
            // Respondents in blocks of up to `RespondentBlock.capacity`, stored column-wise: ids joined by
            // U+001F, groups and attribute values as two-byte codes into the block's own value lists,
            // answers one byte each (0 = missing, else answer + 1), design weights as 8-byte doubles.
            try db.create(table: "respondentBlock") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("rowCount", .integer).notNull().check { $0 > 0 }
                t.column("itemCount", .integer).notNull().check { $0 > 0 }
                t.column("attributeCount", .integer).notNull().check { $0 >= 0 }
                t.column("respondentKeys", .text).notNull()
                t.column("groupNames", .text).notNull()
                t.column("groupCodes", .blob).notNull()
                t.column("attributeValues", .text).notNull()
                t.column("attributeCodes", .blob).notNull()
                t.column("designWeights", .blob)
                t.column("answers", .blob).notNull()
                t.check(sql: "length(groupCodes) = 2 * rowCount")
                t.check(sql: "length(attributeCodes) = 2 * rowCount * attributeCount")
                t.check(sql: "designWeights IS NULL OR length(designWeights) = 8 * rowCount")
                t.check(sql: "length(answers) = rowCount * itemCount")
            }
            try db.create(index: "respondentBlock_period", on: "respondentBlock", columns: ["surveyId", "period"])
            try db.create(index: "respondentBlock_batch", on: "respondentBlock", columns: ["batchId"])
            try db.create(table: "freeText") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("groupName", .text).notNull()
                t.column("field", .text).notNull()
                t.column("text", .text).notNull()
            }
            try db.create(index: "freeText_batch", on: "freeText", columns: ["batchId"])
            try db.create(index: "freeText_period", on: "freeText", columns: ["surveyId", "period"])
            try db.create(table: "kpiDefinition") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("kpiId", .text).notNull()
                t.column("nameJa", .text).notNull()
                t.column("nameEn", .text)
                t.column("category", .text).notNull()
                t.column("direction", .integer).notNull().check(sql: "direction IN (-1, 1)")
                t.column("unit", .text).notNull()
                t.column("source", .text).notNull()
                t.primaryKey(["batchId", "kpiId"])
            }
            try db.create(table: "kpiValue") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("kpiId", .text).notNull()
                t.column("groupName", .text).notNull()
                t.column("period", .text).notNull()
                t.column("value", .double).notNull()
                t.primaryKey(["surveyId", "kpiId", "groupName", "period"])
            }
            try db.create(table: "populationCell") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("fields", .text).notNull()
                t.column("cell", .text).notNull()
                t.column("count", .double).notNull().check { $0 >= 0 }
                t.primaryKey(["surveyId", "period", "cell"])
            }
            try db.create(table: "referenceFigure") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("indicator", .text).notNull()
                t.column("mean", .double).notNull()
                t.column("sd", .double).notNull().check { $0 > 0 }
                t.column("source", .text).notNull()
                t.primaryKey(["surveyId", "period", "indicator"])
            }
        }
        // Benchmarks may give a mean only (DESIGN §10): sd becomes optional. SQLite cannot drop a CHECK, so
        // the table is rebuilt with its rows.
        migrator.registerMigration("002 reference figures with an optional sd") { db in
            try db.create(table: "referenceFigure_new") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("indicator", .text).notNull()
                t.column("mean", .double).notNull()
                t.column("sd", .double).check(sql: "sd IS NULL OR sd > 0")
                t.column("source", .text).notNull()
                t.primaryKey(["surveyId", "period", "indicator"])
            }
            try db.execute(sql: """
                INSERT INTO referenceFigure_new (batchId, surveyId, period, indicator, mean, sd, source)
                SELECT batchId, surveyId, period, indicator, mean, sd, source FROM referenceFigure
                """)
            try db.drop(table: "referenceFigure")
            try db.rename(table: "referenceFigure_new", to: "referenceFigure")
        }
        // The numbers drawn into the sample by stratum (DESIGN §12), for response rates: a new batch kind, so the
        // batch table is rebuilt with its CHECK widened (SQLite's documented way; children keep their rows).
        migrator.registerMigration("003 sample sizes") { db in
            try db.create(table: "batch_new") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                    .check(sql: "kind IN ('responses', 'kpis', 'population', 'reference', 'sample')")
                t.column("surveyId", .text).notNull()
                t.column("instrumentId", .integer).references("instrument")
                t.column("fileName", .text).notNull()
                t.column("sha256", .text).notNull()
                t.column("rowCount", .integer).notNull().check { $0 >= 0 }
                t.column("rejectedCount", .integer).notNull().defaults(to: 0)
                t.column("periods", .text).notNull()
                t.column("encoding", .text).notNull()
                t.column("options", .text).notNull().defaults(to: "")
                t.column("importedAt", .text).notNull()
                t.column("toolVersion", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO batch_new SELECT id, kind, surveyId, instrumentId, fileName, sha256, rowCount, "
                + "rejectedCount, periods, encoding, options, importedAt, toolVersion FROM batch")
            try db.drop(table: "batch")
            try db.rename(table: "batch_new", to: "batch")
            try db.create(index: "batch_file", on: "batch", columns: ["kind", "surveyId", "sha256"], unique: true)
            try db.create(table: "sampleCell") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("fields", .text).notNull()
                t.column("cell", .text).notNull()
                t.column("drawn", .integer).notNull().check { $0 >= 0 }
                t.primaryKey(["surveyId", "period", "cell"])
            }
        }
        // Free-text answers and population cells are read back in the order they were imported; SQLite's rowid
        // gave that order, which a server has no equivalent of. Rows imported before keep their rowid as position.
        migrator.registerMigration("004 explicit row order") { db in
            try db.execute(sql: "ALTER TABLE freeText ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "UPDATE freeText SET seq = rowid")
            try db.execute(sql: "ALTER TABLE populationCell ADD COLUMN seq INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "UPDATE populationCell SET seq = rowid")
        }
        // A plan's targets (DESIGN §23): a new batch kind, so the batch table is rebuilt with its CHECK widened, as in
        // 003. The CHECK also admits 'boundaries' (the reserved "006 boundaries" adds that kind), so that whichever
        // of the two migrations a store met first, the other keeps its kind.
        migrator.registerMigration("005 targets") { db in
            try widenBatchKinds(db, to: ["responses", "kpis", "population", "reference", "sample", "targets", "boundaries"])
            // One row per target; groupName '' is the whole area, baselinePeriod '' none; seq keeps the file's order.
            try db.create(table: "planTarget") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("plan", .text).notNull()
                t.column("indicator", .text).notNull()
                t.column("measure", .text).notNull().check(sql: "measure IN ('mean', 'top2', 'deviation', 'value')")
                t.column("groupName", .text).notNull()
                t.column("period", .text).notNull()
                t.column("baselinePeriod", .text).notNull()
                t.column("target", .double).notNull()
                t.column("direction", .text).notNull().check(sql: "direction IN ('higher', 'lower')")
                t.primaryKey(["surveyId", "plan", "indicator", "measure", "groupName", "period"])
            }
            try db.create(index: "planTarget_batch", on: "planTarget", columns: ["batchId"])
        }
        // District boundaries for maps (DESIGN §22): a new batch kind, so the batch table is rebuilt with its CHECK
        // widened, as in 003. The CHECK also admits 'targets' (the reserved "005 targets" adds that kind), so that
        // this migration keeps it whichever of the two a store met first.
        migrator.registerMigration("006 boundaries") { db in
            try widenBatchKinds(db, to: ["responses", "kpis", "population", "reference", "sample", "targets", "boundaries"])
            // One row per feature of the imported file, its geometry as `BoundaryGeometry` encodes it.
            try db.create(table: "boundary") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("groupName", .text).notNull()
                t.column("area", .text).notNull()
                t.column("geometry", .blob).notNull()
                t.primaryKey(["batchId", "seq"])
            }
            try db.create(index: "boundary_survey", on: "boundary", columns: ["surveyId"])
            try db.create(table: "boundarySource") { t in
                t.column("batchId", .integer).notNull().primaryKey().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull().unique()
                t.column("keyProperty", .text).notNull()
                t.column("credit", .text).notNull()
            }
        }
        // Accounts of `wellbeing serve` (DESIGN §20): a name, a role and a bcrypt hash; and who imported a batch
        // through the server (kept apart from the batch table, so that later rebuilds of it need not carry it).
        migrator.registerMigration("007 accounts") { db in
            try db.create(table: "account") { t in
                t.column("name", .text).notNull().primaryKey()
                t.column("role", .text).notNull().check(sql: "role IN ('viewer', 'importer', 'admin')")
                t.column("passwordHash", .text).notNull()
                t.column("createdAt", .text).notNull()
            }
            try db.create(table: "batchImporter") { t in
                t.column("batchId", .integer).notNull().primaryKey().references("batch", onDelete: .cascade)
                t.column("account", .text).notNull()
            }
        }
        // The first and last day answered per period of a responses batch, from a date column the period is the
        // year of: the report's fieldwork dates when the instrument gives none.
        migrator.registerMigration("008 answered days") { db in
            try db.create(table: "answeredDays") { t in
                t.column("batchId", .integer).notNull().references("batch", onDelete: .cascade)
                t.column("surveyId", .text).notNull()
                t.column("period", .text).notNull()
                t.column("firstDay", .text).notNull()
                t.column("lastDay", .text).notNull()
                t.primaryKey(["batchId", "period"])
            }
            try db.create(index: "answeredDays_survey", on: "answeredDays", columns: ["surveyId", "period"])
        }
        // The sessions of `wellbeing serve`'s accounts, so that a restart or a second server on the same store knows a
        // signed-in browser: the SHA-256 of its cookie (never the cookie), whose it is, and when it was last used
        // (seconds since 1970). An account's removal ends its sessions.
        migrator.registerMigration("009 sessions") { db in
            try db.create(table: "session") { t in
                t.column("idHash", .text).notNull().primaryKey()
                t.column("account", .text).notNull().references("account", onDelete: .cascade)
                t.column("createdAt", .integer).notNull()
                t.column("lastSeen", .integer).notNull()
            }
            try db.create(index: "session_account", on: "session", columns: ["account"])
        }
        return migrator
    }

    /// Rebuilds the batch table with its `kind` CHECK admitting `kinds` (SQLite cannot alter a CHECK; its children
    /// keep their rows, as in 003), for a migration that adds a kind of batch.
    static func widenBatchKinds(_ db: Database, to kinds: [String]) throws {
        try db.create(table: "batch_new") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("kind", .text).notNull()
                .check(sql: "kind IN (" + kinds.map { "'\($0)'" }.joined(separator: ", ") + ")")
            t.column("surveyId", .text).notNull()
            t.column("instrumentId", .integer).references("instrument")
            t.column("fileName", .text).notNull()
            t.column("sha256", .text).notNull()
            t.column("rowCount", .integer).notNull().check { $0 >= 0 }
            t.column("rejectedCount", .integer).notNull().defaults(to: 0)
            t.column("periods", .text).notNull()
            t.column("encoding", .text).notNull()
            t.column("options", .text).notNull().defaults(to: "")
            t.column("importedAt", .text).notNull()
            t.column("toolVersion", .text).notNull()
        }
        try db.execute(sql: "INSERT INTO batch_new SELECT id, kind, surveyId, instrumentId, fileName, sha256, rowCount, "
            + "rejectedCount, periods, encoding, options, importedAt, toolVersion FROM batch")
        try db.drop(table: "batch")
        try db.rename(table: "batch_new", to: "batch")
        try db.create(index: "batch_file", on: "batch", columns: ["kind", "surveyId", "sha256"], unique: true)
    }
}
