namespace Haven.Storage;

/// <summary>One schema step. Applied in <see cref="Version"/> order, each at most once, recorded in <c>schema_migrations</c>.</summary>
/// <param name="Version">Strictly increasing, never reused, never edited once released.</param>
/// <param name="Name">Short description stored beside the version.</param>
/// <param name="Sql">SQL for both providers, with the dialect tokens of <see cref="Migrations.Render"/>.</param>
internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// The ordered schema history. The SQL is shared by SQLite and PostgreSQL; the only dialect differences are the
/// tokens below, so a reader sees every difference in one place:
/// <list type="table">
/// <item><term>{{IDENTITY}}</term><description>SQLite <c>INTEGER PRIMARY KEY AUTOINCREMENT</c> (ids never reused after deletes);
/// PostgreSQL <c>BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY</c>.</description></item>
/// <item><term>{{BOOL}}</term><description>SQLite <c>INTEGER</c> (0/1); PostgreSQL <c>BOOLEAN</c>. Queries only ever test <c>WHERE enabled</c> or bind a parameter, which both accept.</description></item>
/// <item><term>{{KEY_TEXT}}</term><description>Text compared byte-wise: SQLite <c>TEXT</c> (binary collation by default); PostgreSQL <c>TEXT COLLATE "C"</c>, which keeps hex-value indexes cheap.</description></item>
/// </list>
/// Times are Unix milliseconds in <c>BIGINT</c> columns on both providers, from <see cref="TimeProvider"/>.
/// </summary>
internal static class Migrations
{
    /// <summary>All migrations, ascending.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "banks", """
            CREATE TABLE banks (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                enabled {{BOOL}} NOT NULL,
                created_at BIGINT NOT NULL,
                CONSTRAINT uq_banks_name UNIQUE (name)
            );
            CREATE TABLE bank_entries (
                id {{IDENTITY}},
                bank_id BIGINT NOT NULL REFERENCES banks (id) ON DELETE CASCADE,
                signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'sha256')),
                value {{KEY_TEXT}} NOT NULL,
                quality SMALLINT NULL CHECK (quality BETWEEN 0 AND 100),
                category TEXT NULL,
                source TEXT NULL,
                external_id TEXT NULL,
                added_at BIGINT NOT NULL,
                CONSTRAINT uq_bank_entries_value UNIQUE (bank_id, value, signal_type)
            );
            CREATE INDEX ix_bank_entries_external_id ON bank_entries (bank_id, external_id) WHERE external_id IS NOT NULL;
            CREATE TABLE store_counters (
                name TEXT NOT NULL PRIMARY KEY,
                value BIGINT NOT NULL
            );
            INSERT INTO store_counters (name, value) VALUES ('banks_version', 0);
            """),
        new(2, "api_keys", """
            CREATE TABLE api_keys (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                key_hash {{KEY_TEXT}} NOT NULL,
                scopes TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT NULL,
                CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
            );
            """),
        new(3, "audit_log", """
            CREATE TABLE audit_log (
                seq BIGINT NOT NULL PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                details TEXT NOT NULL,
                prev_hash {{KEY_TEXT}} NOT NULL,
                hash {{KEY_TEXT}} NOT NULL
            );
            INSERT INTO store_counters (name, value) VALUES ('audit_seq', 0);
            """),
        new(4, "api_key_rate_limits", """
            ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute INTEGER NULL;
            """),
        new(5, "events", """
            CREATE TABLE events (
                seq {{IDENTITY}},
                event_id {{KEY_TEXT}} NOT NULL,
                type TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                body TEXT NOT NULL,
                body_sha256 TEXT NOT NULL,
                received_at BIGINT NOT NULL,
                CONSTRAINT uq_events_event_id UNIQUE (event_id)
            );
            """),
        new(6, "lexicons", """
            CREATE TABLE lexicons (
                id {{IDENTITY}},
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                enabled {{BOOL}} NOT NULL,
                created_at BIGINT NOT NULL,
                CONSTRAINT uq_lexicons_name UNIQUE (name)
            );
            CREATE TABLE lexicon_entries (
                id {{IDENTITY}},
                lexicon_id BIGINT NOT NULL REFERENCES lexicons (id) ON DELETE CASCADE,
                pattern TEXT NOT NULL,
                normalized {{KEY_TEXT}} NOT NULL,
                category TEXT NOT NULL,
                weight REAL NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('word', 'substring')),
                source TEXT NULL,
                added_at BIGINT NOT NULL,
                CONSTRAINT uq_lexicon_entries UNIQUE (lexicon_id, normalized, category, mode)
            );
            INSERT INTO store_counters (name, value) VALUES ('lexicons_version', 0);
            """),
        new(7, "outbox", """
            CREATE TABLE outbox (
                id {{IDENTITY}},
                action_id {{KEY_TEXT}} NOT NULL,
                adapter TEXT NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
                last_error TEXT NULL,
                delivered_at BIGINT NULL,
                CONSTRAINT uq_outbox_action_id UNIQUE (action_id)
            );
            CREATE INDEX ix_outbox_due ON outbox (state, next_attempt_at);
            """),
        new(8, "pipeline", """
            CREATE TABLE processor_checkpoints (
                name TEXT NOT NULL PRIMARY KEY,
                last_seq BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE TABLE posts (
                post_id {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                author {{KEY_TEXT}} NOT NULL,
                seq BIGINT NOT NULL,
                occurred_at BIGINT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('post', 'reply', 'repost', 'quote')),
                parent_id {{KEY_TEXT}} NULL,
                community TEXT NULL,
                media_count INTEGER NOT NULL,
                matched {{BOOL}} NOT NULL,
                flagged {{BOOL}} NOT NULL,
                deleted {{BOOL}} NOT NULL
            );
            CREATE TABLE media_items (
                post_id {{KEY_TEXT}} NOT NULL,
                media_index INTEGER NOT NULL,
                media_id TEXT NULL,
                account {{KEY_TEXT}} NOT NULL,
                occurred_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                source TEXT NOT NULL CHECK (source IN ('bytes', 'url', 'hashes')),
                pdq {{KEY_TEXT}} NULL,
                quality SMALLINT NULL,
                md5 {{KEY_TEXT}} NULL,
                sha256 {{KEY_TEXT}} NULL,
                error TEXT NULL,
                PRIMARY KEY (post_id, media_index)
            );
            CREATE TABLE media_matches (
                post_id {{KEY_TEXT}} NOT NULL,
                media_index INTEGER NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                occurred_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                bank TEXT NOT NULL,
                entry_id BIGINT NOT NULL,
                signal_type TEXT NOT NULL,
                category TEXT NULL,
                distance INTEGER NOT NULL,
                media_key TEXT NOT NULL,
                PRIMARY KEY (post_id, media_index, bank, entry_id, signal_type)
            );
            CREATE INDEX ix_media_matches_key ON media_matches (media_key, seq);
            CREATE INDEX ix_media_matches_account ON media_matches (account);
            CREATE TABLE engagements (
                account {{KEY_TEXT}} NOT NULL,
                post_id {{KEY_TEXT}} NOT NULL,
                parent_id {{KEY_TEXT}} NULL,
                owner {{KEY_TEXT}} NULL,
                occurred_at BIGINT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('sexualising', 'trade')),
                PRIMARY KEY (post_id, kind)
            );
            CREATE INDEX ix_engagements_account ON engagements (account, occurred_at);
            CREATE TABLE reports (
                event_seq BIGINT NOT NULL PRIMARY KEY,
                subject_kind TEXT NOT NULL,
                subject_id {{KEY_TEXT}} NOT NULL,
                reason TEXT NOT NULL,
                occurred_at BIGINT NOT NULL
            );
            CREATE INDEX ix_reports_subject ON reports (subject_kind, subject_id);
            CREATE TABLE edges (
                src {{KEY_TEXT}} NOT NULL,
                dst {{KEY_TEXT}} NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('repost', 'quote', 'reply', 'mention', 'follow')),
                occurred_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                post_id {{KEY_TEXT}} NULL,
                PRIMARY KEY (seq, kind, dst)
            );
            CREATE INDEX ix_edges_follow ON edges (src, dst) WHERE kind = 'follow';
            CREATE TABLE hashtag_uses (
                tag {{KEY_TEXT}} NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                post_id {{KEY_TEXT}} NOT NULL,
                occurred_at BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                flagged {{BOOL}} NOT NULL,
                PRIMARY KEY (tag, post_id)
            );
            CREATE INDEX ix_hashtag_uses_time ON hashtag_uses (tag, occurred_at);
            CREATE TABLE hashtag_watchlist (
                tag {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                note TEXT NOT NULL,
                added_at BIGINT NOT NULL
            );
            CREATE TABLE signal_sets (
                id {{IDENTITY}},
                event_seq BIGINT NOT NULL,
                subject_kind TEXT NOT NULL,
                subject_id {{KEY_TEXT}} NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                occurred_at BIGINT NOT NULL,
                body TEXT NOT NULL,
                CONSTRAINT uq_signal_sets UNIQUE (event_seq, subject_kind, subject_id)
            );
            CREATE INDEX ix_signal_sets_subject ON signal_sets (subject_kind, subject_id, id);
            CREATE TABLE decisions (
                n {{IDENTITY}},
                decision_id {{KEY_TEXT}} NOT NULL,
                event_seq BIGINT NOT NULL,
                rule_id TEXT NOT NULL,
                policy_version TEXT NOT NULL,
                mode TEXT NOT NULL CHECK (mode IN ('enforce', 'shadow')),
                subject_kind TEXT NOT NULL,
                subject_id {{KEY_TEXT}} NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                actions TEXT NOT NULL,
                evidence TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                decided_at BIGINT NOT NULL,
                CONSTRAINT uq_decisions_id UNIQUE (decision_id)
            );
            CREATE INDEX ix_decisions_subject ON decisions (subject_kind, subject_id);
            CREATE INDEX ix_decisions_account ON decisions (account);
            CREATE TABLE subject_status (
                subject_kind TEXT NOT NULL,
                subject_id {{KEY_TEXT}} NOT NULL,
                status TEXT NOT NULL,
                actions TEXT NOT NULL,
                shadow_actions TEXT NOT NULL,
                review_priority TEXT NULL,
                decisions BIGINT NOT NULL,
                last_decision_id TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (subject_kind, subject_id)
            );
            """),
        new(9, "dead_events", """
            CREATE TABLE dead_events (
                checkpoint_name TEXT NOT NULL,
                event_seq BIGINT NOT NULL,
                event_id {{KEY_TEXT}} NOT NULL,
                stage TEXT NOT NULL CHECK (stage IN ('parse', 'handle')),
                error_type TEXT NOT NULL,
                error_code TEXT NOT NULL,
                first_failed_at BIGINT NOT NULL,
                last_failed_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL,
                PRIMARY KEY (checkpoint_name, event_seq)
            );
            """),
        new(10, "people", """
            CREATE TABLE users (
                name {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'specialist', 'lead', 'admin')),
                password_hash TEXT NOT NULL,
                must_change_password {{BOOL}} NOT NULL,
                disabled {{BOOL}} NOT NULL,
                failed_attempts INTEGER NOT NULL,
                locked_until BIGINT NULL,
                security_stamp TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                last_sign_in_at BIGINT NULL
            );
            ALTER TABLE decisions ADD COLUMN decided_by TEXT NULL;
            CREATE TABLE rule_labels (
                id {{IDENTITY}},
                rule_id TEXT NOT NULL,
                label TEXT NOT NULL CHECK (label IN ('confirmed', 'false_positive', 'upheld', 'overturned')),
                subject_kind TEXT NOT NULL,
                subject_id {{KEY_TEXT}} NOT NULL,
                decision_id TEXT NULL,
                case_id TEXT NULL,
                appeal_id TEXT NULL,
                actor TEXT NOT NULL,
                at BIGINT NOT NULL
            );
            CREATE INDEX ix_rule_labels_rule ON rule_labels (rule_id, label);
            """),
        new(11, "cases", """
            CREATE TABLE cases (
                case_id {{IDENTITY}},
                subject_kind TEXT NOT NULL CHECK (subject_kind IN ('account', 'content', 'community', 'network')),
                subject_id {{KEY_TEXT}} NOT NULL,
                network_id {{KEY_TEXT}} NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                outcome TEXT NULL,
                queue TEXT NOT NULL CHECK (queue IN ('review', 'specialist')),
                priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
                score BIGINT NOT NULL,
                sort_rank BIGINT NOT NULL,
                due_at BIGINT NOT NULL,
                assignee {{KEY_TEXT}} NULL,
                claim_until BIGINT NULL,
                held {{BOOL}} NOT NULL,
                asked_lead {{BOOL}} NOT NULL,
                report_wanted {{BOOL}} NOT NULL,
                items BIGINT NOT NULL,
                reporters BIGINT NOT NULL,
                qa_state TEXT NULL,
                decided_by TEXT NULL,
                opened_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                closed_at BIGINT NULL,
                last_event_n BIGINT NOT NULL,
                state TEXT NOT NULL
            );
            CREATE UNIQUE INDEX uq_cases_open_subject ON cases (subject_kind, subject_id) WHERE status = 'open';
            CREATE INDEX ix_cases_queue ON cases (status, queue, sort_rank, due_at, case_id);
            CREATE INDEX ix_cases_order ON cases (status, sort_rank, due_at, case_id);
            CREATE INDEX ix_cases_assignee ON cases (assignee, status, sort_rank, due_at, case_id) WHERE assignee IS NOT NULL;
            CREATE INDEX ix_cases_network ON cases (network_id, status) WHERE network_id IS NOT NULL;
            CREATE INDEX ix_cases_subject ON cases (subject_kind, subject_id);
            CREATE TABLE case_events (
                case_id BIGINT NOT NULL REFERENCES cases (case_id),
                n BIGINT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                at BIGINT NOT NULL,
                data TEXT NOT NULL,
                PRIMARY KEY (case_id, n)
            );
            CREATE TABLE case_items (
                case_id BIGINT NOT NULL REFERENCES cases (case_id),
                item_id {{KEY_TEXT}} NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('decision', 'media_match', 'text', 'counter', 'report', 'discovery', 'note')),
                rule_id TEXT NULL,
                reporter {{KEY_TEXT}} NULL,
                source {{KEY_TEXT}} NOT NULL,
                body TEXT NOT NULL,
                added_at BIGINT NOT NULL,
                PRIMARY KEY (case_id, item_id)
            );
            CREATE INDEX ix_case_items_rule ON case_items (rule_id, case_id) WHERE rule_id IS NOT NULL;
            CREATE INDEX ix_case_items_reporter ON case_items (reporter) WHERE reporter IS NOT NULL;
            CREATE TABLE case_sources (
                source {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                case_id BIGINT NOT NULL
            );
            CREATE TABLE case_presence (
                case_id BIGINT NOT NULL,
                person {{KEY_TEXT}} NOT NULL,
                seen_at BIGINT NOT NULL,
                PRIMARY KEY (case_id, person)
            );
            CREATE TABLE muted_reporters (
                reporter {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                muted_by TEXT NOT NULL,
                muted_at BIGINT NOT NULL
            );
            CREATE INDEX ix_edges_follow_dst ON edges (dst) WHERE kind = 'follow';
            """),
        new(12, "appeals", """
            CREATE TABLE appeals (
                n {{IDENTITY}},
                appeal_id {{KEY_TEXT}} NOT NULL,
                event_seq BIGINT NOT NULL,
                platform_appeal_id {{KEY_TEXT}} NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                contested_decision_id {{KEY_TEXT}} NULL,
                contested_action_id {{KEY_TEXT}} NULL,
                decision_id {{KEY_TEXT}} NULL,
                rule_id TEXT NULL,
                subject_kind TEXT NULL,
                subject_id {{KEY_TEXT}} NULL,
                reason TEXT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'overturned', 'rejected')),
                rejected_code TEXT NULL,
                original_decided_by TEXT NOT NULL,
                assigned_to TEXT NULL,
                decided_by TEXT NULL,
                outcome_reason TEXT NULL,
                reversal_decision_id TEXT NULL,
                version BIGINT NOT NULL,
                occurred_at BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                decided_at BIGINT NULL,
                CONSTRAINT uq_appeals_id UNIQUE (appeal_id)
            );
            CREATE INDEX ix_appeals_status ON appeals (status, n);
            CREATE INDEX ix_appeals_rule ON appeals (rule_id, n);
            CREATE UNIQUE INDEX ux_appeals_open_decision ON appeals (decision_id) WHERE status = 'open';
            CREATE TABLE appeal_requests (
                event_seq BIGINT NOT NULL PRIMARY KEY,
                appeal_id {{KEY_TEXT}} NOT NULL,
                platform_appeal_id {{KEY_TEXT}} NOT NULL,
                account {{KEY_TEXT}} NOT NULL,
                occurred_at BIGINT NOT NULL
            );
            CREATE INDEX ix_appeal_requests_appeal ON appeal_requests (appeal_id, event_seq);
            """),
        new(13, "wellness", """
            CREATE TABLE wellness_defaults (
                id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                blur_strength INTEGER NOT NULL,
                colour_mode TEXT NOT NULL,
                video_muted {{BOOL}} NOT NULL,
                video_paused {{BOOL}} NOT NULL,
                playback_speed_percent INTEGER NOT NULL,
                daily_reveal_budget INTEGER NOT NULL,
                updated_at BIGINT NOT NULL
            );
            INSERT INTO wellness_defaults (id, blur_strength, colour_mode, video_muted, video_paused, playback_speed_percent, daily_reveal_budget, updated_at)
                VALUES (1, 4, 'greyscale', TRUE, TRUE, 100, 25, 0);
            CREATE TABLE wellness_person_settings (
                person {{KEY_TEXT}} NOT NULL PRIMARY KEY,
                blur_strength INTEGER NULL,
                colour_mode TEXT NULL,
                video_muted {{BOOL}} NULL,
                video_paused {{BOOL}} NULL,
                playback_speed_percent INTEGER NULL,
                daily_reveal_budget INTEGER NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE TABLE media_reveals (
                id {{IDENTITY}},
                person {{KEY_TEXT}} NOT NULL,
                role TEXT NOT NULL,
                revealed_at BIGINT NOT NULL,
                case_id TEXT NOT NULL,
                post_id {{KEY_TEXT}} NOT NULL,
                media_index INTEGER NOT NULL,
                event_seq BIGINT NOT NULL,
                redeemed_at BIGINT NULL
            );
            CREATE INDEX ix_media_reveals_item ON media_reveals (post_id, media_index);
            CREATE INDEX ix_media_reveals_person ON media_reveals (person, revealed_at);
            CREATE INDEX ix_media_reveals_time ON media_reveals (revealed_at);
            """),
    ];

    /// <summary>The highest version this build knows.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Replaces the dialect tokens for <paramref name="provider"/>.</summary>
    public static string Render(string sql, StoreProvider provider) => provider switch
    {
        StoreProvider.Sqlite => sql
            .Replace("{{IDENTITY}}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)
            .Replace("{{BOOL}}", "INTEGER", StringComparison.Ordinal)
            .Replace("{{KEY_TEXT}}", "TEXT", StringComparison.Ordinal),
        StoreProvider.Postgres => sql
            .Replace("{{IDENTITY}}", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)
            .Replace("{{BOOL}}", "BOOLEAN", StringComparison.Ordinal)
            .Replace("{{KEY_TEXT}}", "TEXT COLLATE \"C\"", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}
