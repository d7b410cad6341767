/// The store's migrations in PostgreSQL's dialect: the same identifiers, in the same order, as SQLite's
/// (`StoreSchema`), giving the same tables and columns. Names are unquoted, so PostgreSQL folds them to lower
/// case; integers are `BIGINT`, bytes `BYTEA`, numbers `DOUBLE PRECISION`. A shipped migration is never edited.
enum PostgresSchema {
    static func statements(of identifier: String) -> [String] {
        switch identifier {
        case "001 initial schema": return initial
        case "002 reference figures with an optional sd": return [
            "ALTER TABLE referenceFigure ALTER COLUMN sd DROP NOT NULL",
            "ALTER TABLE referenceFigure DROP CONSTRAINT referenceFigure_sd_check",
            "ALTER TABLE referenceFigure ADD CONSTRAINT referenceFigure_sd_check CHECK (sd IS NULL OR sd > 0)",
        ]
        case "003 sample sizes": return [
            "ALTER TABLE batch DROP CONSTRAINT batch_kind_check",
            "ALTER TABLE batch ADD CONSTRAINT batch_kind_check CHECK (kind IN ('responses', 'kpis', 'population', 'reference', 'sample'))",
            """
            CREATE TABLE sampleCell (
                batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL,
                period TEXT NOT NULL, fields TEXT NOT NULL, cell TEXT NOT NULL, drawn BIGINT NOT NULL CHECK (drawn >= 0),
                PRIMARY KEY (surveyId, period, cell))
            """,
            "CREATE INDEX sampleCell_batch ON sampleCell (batchId)",
        ]
        case "004 explicit row order": return [
            "ALTER TABLE freeText ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE populationCell ADD COLUMN seq BIGINT NOT NULL DEFAULT 0",
        ]
        case "005 targets": return [
            "ALTER TABLE batch DROP CONSTRAINT batch_kind_check",
            "ALTER TABLE batch ADD CONSTRAINT batch_kind_check CHECK (kind IN ('responses', 'kpis', 'population', 'reference', 'sample', 'targets', 'boundaries'))",
            """
            CREATE TABLE planTarget (
                batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, seq BIGINT NOT NULL,
                plan TEXT NOT NULL, indicator TEXT NOT NULL,
                measure TEXT NOT NULL CHECK (measure IN ('mean', 'top2', 'deviation', 'value')), groupName TEXT NOT NULL,
                period TEXT NOT NULL, baselinePeriod TEXT NOT NULL, target DOUBLE PRECISION NOT NULL,
                direction TEXT NOT NULL CHECK (direction IN ('higher', 'lower')),
                PRIMARY KEY (surveyId, plan, indicator, measure, groupName, period))
            """,
            "CREATE INDEX planTarget_batch ON planTarget (batchId)",
        ]
        case "006 boundaries": return [
            "ALTER TABLE batch DROP CONSTRAINT batch_kind_check",
            "ALTER TABLE batch ADD CONSTRAINT batch_kind_check CHECK (kind IN ('responses', 'kpis', 'population', 'reference', 'sample', 'targets', 'boundaries'))",
            """
            CREATE TABLE boundary (
                batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, seq BIGINT NOT NULL,
                groupName TEXT NOT NULL, area TEXT NOT NULL, geometry BYTEA NOT NULL, PRIMARY KEY (batchId, seq))
            """,
            "CREATE INDEX boundary_survey ON boundary (surveyId)",
            """
            CREATE TABLE boundarySource (
                batchId BIGINT NOT NULL PRIMARY KEY REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL UNIQUE,
                keyProperty TEXT NOT NULL, credit TEXT NOT NULL)
            """,
        ]
        case "007 accounts": return [
            """
            CREATE TABLE account (
                name TEXT NOT NULL PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('viewer', 'importer', 'admin')),
                passwordHash TEXT NOT NULL, createdAt TEXT NOT NULL)
            """,
            "CREATE TABLE batchImporter (batchId BIGINT NOT NULL PRIMARY KEY REFERENCES batch (id) ON DELETE CASCADE, account TEXT NOT NULL)",
        ]
        case "008 answered days": return [
            """
            CREATE TABLE answeredDays (
                batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, period TEXT NOT NULL,
                firstDay TEXT NOT NULL, lastDay TEXT NOT NULL, PRIMARY KEY (batchId, period))
            """,
            "CREATE INDEX answeredDays_survey ON answeredDays (surveyId, period)",
        ]
        case "009 sessions": return [
            """
            CREATE TABLE session (
                idHash TEXT NOT NULL PRIMARY KEY, account TEXT NOT NULL REFERENCES account (name) ON DELETE CASCADE,
                createdAt BIGINT NOT NULL, lastSeen BIGINT NOT NULL)
            """,
            "CREATE INDEX session_account ON session (account)",
        ]
        default: return []
        }
    }

    private static let initial = [
        """
        CREATE TABLE instrument (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, surveyId TEXT NOT NULL, version TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE, fileName TEXT NOT NULL, yaml TEXT NOT NULL, importedAt TEXT NOT NULL)
        """,
        """
        CREATE TABLE batch (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            kind TEXT NOT NULL CONSTRAINT batch_kind_check CHECK (kind IN ('responses', 'kpis', 'population', 'reference')),
            surveyId TEXT NOT NULL, instrumentId BIGINT REFERENCES instrument (id), fileName TEXT NOT NULL,
            sha256 TEXT NOT NULL, rowCount BIGINT NOT NULL CHECK (rowCount >= 0), rejectedCount BIGINT NOT NULL DEFAULT 0,
            periods TEXT NOT NULL, encoding TEXT NOT NULL, options TEXT NOT NULL DEFAULT '', importedAt TEXT NOT NULL,
            toolVersion TEXT NOT NULL)
        """,
        "CREATE UNIQUE INDEX batch_file ON batch (kind, surveyId, sha256)",
        """
        CREATE TABLE respondentBlock (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, period TEXT NOT NULL,
            rowCount BIGINT NOT NULL CHECK (rowCount > 0), itemCount BIGINT NOT NULL CHECK (itemCount > 0),
            attributeCount BIGINT NOT NULL CHECK (attributeCount >= 0), respondentKeys TEXT NOT NULL,
            groupNames TEXT NOT NULL, groupCodes BYTEA NOT NULL, attributeValues TEXT NOT NULL,
            attributeCodes BYTEA NOT NULL, designWeights BYTEA, answers BYTEA NOT NULL,
            CHECK (octet_length(groupCodes) = 2 * rowCount),
            CHECK (octet_length(attributeCodes) = 2 * rowCount * attributeCount),
            CHECK (designWeights IS NULL OR octet_length(designWeights) = 8 * rowCount),
            CHECK (octet_length(answers) = rowCount * itemCount))
        """,
        // Blocks are large (a few hundred kB): the default pglz compression of such values took 2 of the 5 seconds
        // of a million-respondent import; lz4 is as small within a third and several times faster. A server built
        // without lz4 keeps its default.
        """
        DO $$ BEGIN
            ALTER TABLE respondentBlock ALTER COLUMN respondentKeys SET COMPRESSION lz4,
                ALTER COLUMN groupNames SET COMPRESSION lz4, ALTER COLUMN groupCodes SET COMPRESSION lz4,
                ALTER COLUMN attributeValues SET COMPRESSION lz4, ALTER COLUMN attributeCodes SET COMPRESSION lz4,
                ALTER COLUMN designWeights SET COMPRESSION lz4, ALTER COLUMN answers SET COMPRESSION lz4;
        EXCEPTION WHEN OTHERS THEN NULL;
        END $$
        """,
        "CREATE INDEX respondentBlock_period ON respondentBlock (surveyId, period)",
        "CREATE INDEX respondentBlock_batch ON respondentBlock (batchId)",
        """
        CREATE TABLE freeText (
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, period TEXT NOT NULL,
            groupName TEXT NOT NULL, field TEXT NOT NULL, text TEXT NOT NULL)
        """,
        "CREATE INDEX freeText_batch ON freeText (batchId)",
        "CREATE INDEX freeText_period ON freeText (surveyId, period)",
        """
        CREATE TABLE kpiDefinition (
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, kpiId TEXT NOT NULL,
            nameJa TEXT NOT NULL, nameEn TEXT, category TEXT NOT NULL,
            direction BIGINT NOT NULL CHECK (direction IN (-1, 1)), unit TEXT NOT NULL, source TEXT NOT NULL,
            PRIMARY KEY (batchId, kpiId))
        """,
        """
        CREATE TABLE kpiValue (
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, kpiId TEXT NOT NULL,
            groupName TEXT NOT NULL, period TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (surveyId, kpiId, groupName, period))
        """,
        "CREATE INDEX kpiValue_batch ON kpiValue (batchId)",
        """
        CREATE TABLE populationCell (
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, period TEXT NOT NULL,
            fields TEXT NOT NULL, cell TEXT NOT NULL, count DOUBLE PRECISION NOT NULL CHECK (count >= 0),
            PRIMARY KEY (surveyId, period, cell))
        """,
        "CREATE INDEX populationCell_batch ON populationCell (batchId)",
        """
        CREATE TABLE referenceFigure (
            batchId BIGINT NOT NULL REFERENCES batch (id) ON DELETE CASCADE, surveyId TEXT NOT NULL, period TEXT NOT NULL,
            indicator TEXT NOT NULL, mean DOUBLE PRECISION NOT NULL,
            sd DOUBLE PRECISION NOT NULL CONSTRAINT referenceFigure_sd_check CHECK (sd > 0), source TEXT NOT NULL,
            PRIMARY KEY (surveyId, period, indicator))
        """,
        "CREATE INDEX referenceFigure_batch ON referenceFigure (batchId)",
    ]
}
