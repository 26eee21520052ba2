//! Runtime settings: the `[acme]` table of Leptos.toml, each overridable by an environment
//! variable (`ACME_<NAME>`, plus the names our users already set: DATABASE_URL, KAFKA_BROKER,
//! KAFKA_TOPIC, KAFKA_GROUP_ID). A bad value stops start-up with a message naming the setting.

use std::{fmt, path::Path, str::FromStr};

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: u32,
    pub kafka_broker: String,
    pub invoices_topic: String,
    pub invoices_partitions: i32,
    pub activity_topic: String,
    pub activity_partitions: i32,
    pub processor_group_id: String,
    pub run_processor: bool,
    pub seed_demo_data: bool,
    pub secure_cookies: bool,
    pub dlq_topic: String,
    pub processor_max_attempts: u32,
    pub processor_batch_max: usize,
    pub processor_batch_wait_ms: u64,
    pub password_check_threads: usize,
    pub password_check_wait_ms: u64,
    pub password_memory_kib: u32,
    pub password_iterations: u32,
    pub password_parallelism: u32,
    pub kafka_consumer_queue_kib: u32,
    pub kafka_producer_queue_kib: u32,
    pub api_token: String,
    pub produce_allowed_topics: Vec<String>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub mail_from: String,
    pub webhook_accounting_url: String,
    pub webhook_finance_url: String,
    pub webhook_team_chat_url: String,
    pub webhook_secret: String,
    pub feed_ping_seconds: u64,
    pub feed_client_buffer: usize,
    pub max_body_bytes: usize,
    pub export_max_items: i64,
    pub browse_max_bytes: usize,
    pub metrics_addr: String,
    pub dev_mail_catcher: bool,
}

/// A comma-separated list setting.
#[derive(Debug)]
struct List(Vec<String>);

impl FromStr for List {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(List(
            s.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "setting `{name}` {problem} (set it in the [acme] table of Leptos.toml or with {env})"
    )]
    Invalid {
        name: &'static str,
        env: String,
        problem: String,
    },
}

/// Where one setting comes from: its key in the file and the environment variables that
/// override it, strongest first.
struct Source<'a> {
    table: &'a toml::Table,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Source<'_> {
    fn get<T>(&self, name: &'static str, aliases: &[&str]) -> Result<T, SettingsError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        let own_env = format!("ACME_{}", name.to_uppercase());
        let env_names: Vec<&str> = std::iter::once(own_env.as_str())
            .chain(aliases.iter().copied())
            .collect();
        let invalid = |problem: String| SettingsError::Invalid {
            name,
            env: env_names.join(" or "),
            problem,
        };
        let raw = match env_names.iter().find_map(|var| (self.env)(var)) {
            Some(value) => value,
            None => match self.table.get(name) {
                Some(toml::Value::String(s)) => s.clone(),
                Some(toml::Value::Integer(i)) => i.to_string(),
                Some(toml::Value::Boolean(b)) => b.to_string(),
                Some(other) => {
                    return Err(invalid(format!(
                        "has an unsupported type ({})",
                        other.type_str()
                    )))
                }
                None => return Err(invalid("is missing".into())),
            },
        };
        raw.trim()
            .parse::<T>()
            .map_err(|e| invalid(format!("has the invalid value {raw:?}: {e}")))
    }
}

impl Settings {
    /// What a new password hash costs.
    pub fn password_cost(&self) -> app::auth::password_checks::PasswordCost {
        app::auth::password_checks::PasswordCost {
            memory_kib: self.password_memory_kib,
            iterations: self.password_iterations,
            parallelism: self.password_parallelism,
        }
    }

    /// What each Kafka client of this process may hold in memory.
    pub fn kafka_queue_limits(&self) -> crate::kafka::QueueLimits {
        crate::kafka::QueueLimits {
            consumer_kib: self.kafka_consumer_queue_kib,
            producer_kib: self.kafka_producer_queue_kib,
        }
    }

    /// What the Kafka tools (acmectl, the Kafka page) need; the app's own topics are protected.
    pub fn kafka_tools(&self) -> app::kafka_tools::KafkaTools {
        app::kafka_tools::KafkaTools {
            brokers: self.kafka_broker.clone(),
            dlq_topic: self.dlq_topic.clone(),
            browse_max_bytes: self.browse_max_bytes,
            processor_group: self.processor_group_id.clone(),
            protected_topics: vec![
                self.invoices_topic.clone(),
                self.activity_topic.clone(),
                self.dlq_topic.clone(),
            ],
        }
    }

    /// Reads the file, then the process environment on top.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|e| SettingsError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_toml(&text, &|name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
        .map_err(|e| match e {
            SettingsError::File { reason, .. } => SettingsError::File {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    pub fn from_toml(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| SettingsError::File {
                path: String::new(),
                reason: e.to_string(),
            })?;
        let empty = toml::Table::new();
        let table = doc
            .get("acme")
            .and_then(toml::Value::as_table)
            .unwrap_or(&empty);
        let s = Source { table, env };
        let settings = Self {
            database_url: s.get("database_url", &["DATABASE_URL"])?,
            database_max_connections: s.get("database_max_connections", &[])?,
            kafka_broker: s.get("kafka_broker", &["KAFKA_BROKER"])?,
            invoices_topic: s.get("invoices_topic", &["KAFKA_TOPIC"])?,
            invoices_partitions: s.get("invoices_partitions", &[])?,
            activity_topic: s.get("activity_topic", &[])?,
            activity_partitions: s.get("activity_partitions", &[])?,
            processor_group_id: s.get("processor_group_id", &["KAFKA_GROUP_ID"])?,
            run_processor: s.get("run_processor", &[])?,
            seed_demo_data: s.get("seed_demo_data", &[])?,
            secure_cookies: s.get("secure_cookies", &[])?,
            dlq_topic: s.get("dlq_topic", &[])?,
            processor_max_attempts: s.get("processor_max_attempts", &[])?,
            processor_batch_max: s.get("processor_batch_max", &[])?,
            processor_batch_wait_ms: s.get("processor_batch_wait_ms", &[])?,
            password_check_threads: s.get("password_check_threads", &[])?,
            password_check_wait_ms: s.get("password_check_wait_ms", &[])?,
            password_memory_kib: s.get("password_memory_kib", &[])?,
            password_iterations: s.get("password_iterations", &[])?,
            password_parallelism: s.get("password_parallelism", &[])?,
            kafka_consumer_queue_kib: s.get("kafka_consumer_queue_kib", &[])?,
            kafka_producer_queue_kib: s.get("kafka_producer_queue_kib", &[])?,
            api_token: s.get("api_token", &[])?,
            produce_allowed_topics: s.get::<List>("produce_allowed_topics", &[])?.0,
            smtp_host: s.get("smtp_host", &[])?,
            smtp_port: s.get("smtp_port", &[])?,
            mail_from: s.get("mail_from", &[])?,
            webhook_accounting_url: s.get("webhook_accounting_url", &[])?,
            webhook_finance_url: s.get("webhook_finance_url", &[])?,
            webhook_team_chat_url: s.get("webhook_team_chat_url", &[])?,
            webhook_secret: s.get("webhook_secret", &[])?,
            feed_ping_seconds: s.get("feed_ping_seconds", &[])?,
            feed_client_buffer: s.get("feed_client_buffer", &[])?,
            max_body_bytes: s.get("max_body_bytes", &[])?,
            export_max_items: s.get("export_max_items", &[])?,
            browse_max_bytes: s.get("browse_max_bytes", &[])?,
            metrics_addr: s.get("metrics_addr", &[])?,
            dev_mail_catcher: s.get("dev_mail_catcher", &[])?,
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), SettingsError> {
        let fail = |name: &'static str, aliases: &str, problem: String| SettingsError::Invalid {
            name,
            env: format!("ACME_{}{aliases}", name.to_uppercase()),
            problem,
        };
        if !(self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(fail(
                "database_url",
                " or DATABASE_URL",
                "must be a postgres:// URL".into(),
            ));
        }
        if !self.metrics_addr.is_empty()
            && self.metrics_addr.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(fail(
                "metrics_addr",
                "",
                "must be an address like 127.0.0.1:9464, or empty for none".into(),
            ));
        }
        let broker_ok = self.kafka_broker.split(',').all(|b| {
            b.rsplit_once(':')
                .is_some_and(|(host, port)| !host.trim().is_empty() && port.parse::<u16>().is_ok())
        });
        if !broker_ok {
            return Err(fail(
                "kafka_broker",
                " or KAFKA_BROKER",
                "must be host:port[,host:port...]".into(),
            ));
        }
        for (name, alias, topic) in [
            ("invoices_topic", " or KAFKA_TOPIC", &self.invoices_topic),
            ("activity_topic", "", &self.activity_topic),
            ("dlq_topic", "", &self.dlq_topic),
        ] {
            if let Err(problem) = check_topic_name(topic) {
                return Err(fail(name, alias, problem));
            }
        }
        if self.invoices_topic == self.activity_topic {
            return Err(fail(
                "activity_topic",
                "",
                "must differ from invoices_topic".into(),
            ));
        }
        // Every number, with the range it must fall in.
        let numbers: [(&'static str, i64, i64, i64); 15] = [
            ("feed_ping_seconds", self.feed_ping_seconds as i64, 1, 3600),
            (
                "feed_client_buffer",
                self.feed_client_buffer as i64,
                16,
                1_000_000,
            ),
            ("max_body_bytes", self.max_body_bytes as i64, 1024, 1 << 30),
            ("export_max_items", self.export_max_items, 1, 1_000_000),
            (
                "browse_max_bytes",
                self.browse_max_bytes as i64,
                64 * 1024,
                1 << 30,
            ),
            (
                "database_max_connections",
                self.database_max_connections.into(),
                1,
                200,
            ),
            (
                "invoices_partitions",
                self.invoices_partitions.into(),
                1,
                1000,
            ),
            (
                "activity_partitions",
                self.activity_partitions.into(),
                1,
                1000,
            ),
            (
                "processor_max_attempts",
                self.processor_max_attempts.into(),
                1,
                100,
            ),
            (
                "processor_batch_max",
                self.processor_batch_max as i64,
                1,
                5000,
            ),
            (
                "processor_batch_wait_ms",
                self.processor_batch_wait_ms as i64,
                0,
                1000,
            ),
            (
                "password_check_threads",
                self.password_check_threads as i64,
                1,
                64,
            ),
            (
                "password_check_wait_ms",
                self.password_check_wait_ms as i64,
                1,
                60_000,
            ),
            (
                "kafka_consumer_queue_kib",
                self.kafka_consumer_queue_kib.into(),
                1024,
                1 << 20,
            ),
            (
                "kafka_producer_queue_kib",
                self.kafka_producer_queue_kib.into(),
                1024,
                1 << 20,
            ),
        ];
        for (name, value, low, high) in numbers {
            if !(low..=high).contains(&value) {
                return Err(fail(name, "", format!("must be between {low} and {high}")));
            }
        }
        if !self.password_cost().is_acceptable() {
            return Err(fail(
                "password_memory_kib",
                " / ACME_PASSWORD_ITERATIONS / ACME_PASSWORD_PARALLELISM",
                "the password cost must be at least OWASP's minimum for argon2id (19456 KiB, 2 iterations, 1 lane) and at most 262144 KiB, 100 iterations, 16 lanes".into(),
            ));
        }
        if !self.api_token.is_empty() && self.api_token.len() < 16 {
            return Err(fail(
                "api_token",
                "",
                "must be empty (off) or at least 16 characters".into(),
            ));
        }
        if let Some(bad) = self
            .produce_allowed_topics
            .iter()
            .find(|t| check_topic_name(t).is_err())
        {
            return Err(fail(
                "produce_allowed_topics",
                "",
                format!("lists an invalid topic name {bad:?}"),
            ));
        }
        if !self.mail_from.contains('@') {
            return Err(fail("mail_from", "", "must be an email address".into()));
        }
        for (name, url) in [
            ("webhook_accounting_url", &self.webhook_accounting_url),
            ("webhook_finance_url", &self.webhook_finance_url),
            ("webhook_team_chat_url", &self.webhook_team_chat_url),
        ] {
            if !url.is_empty() && !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(fail(
                    name,
                    "",
                    "must be empty (off) or an http(s):// URL".into(),
                ));
            }
        }
        if self.webhook_secret.len() < 16 {
            return Err(fail(
                "webhook_secret",
                "",
                "must be at least 16 characters".into(),
            ));
        }
        if self.processor_group_id.trim().is_empty() {
            return Err(fail(
                "processor_group_id",
                " or KAFKA_GROUP_ID",
                "must not be empty".into(),
            ));
        }
        Ok(())
    }
}

/// Kafka's own rule for topic names (shared with the Kafka tools).
pub fn check_topic_name(topic: &str) -> Result<(), String> {
    app::kafka_tools::check_topic_name(topic).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../Leptos.toml");

    fn load(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_toml(FILE, &move |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_shipped_file_is_valid() {
        let s = load(&[]).unwrap();
        assert_eq!(s.invoices_topic, "invoices");
        assert_eq!(s.processor_group_id, "invoice-processor-group");
        assert_eq!(s.kafka_broker, "127.0.0.1:9092");
    }

    #[test]
    fn our_users_variable_names_override_the_file() {
        let s = load(&[
            ("KAFKA_BROKER", "kafka:29092"),
            ("KAFKA_TOPIC", "orders"),
            ("KAFKA_GROUP_ID", "g1"),
            ("DATABASE_URL", "postgres://a@b/c"),
        ])
        .unwrap();
        assert_eq!(
            (
                s.kafka_broker.as_str(),
                s.invoices_topic.as_str(),
                s.processor_group_id.as_str()
            ),
            ("kafka:29092", "orders", "g1")
        );
        assert_eq!(s.database_url, "postgres://a@b/c");
    }

    #[test]
    fn acme_names_win_over_the_legacy_names() {
        let s = load(&[("ACME_INVOICES_TOPIC", "mine"), ("KAFKA_TOPIC", "theirs")]).unwrap();
        assert_eq!(s.invoices_topic, "mine");
    }

    #[test]
    fn a_bad_value_names_the_setting_and_the_variable() {
        let err = load(&[("ACME_INVOICES_PARTITIONS", "lots")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`invoices_partitions`") && err.contains("ACME_INVOICES_PARTITIONS"),
            "{err}"
        );
        let err = load(&[("KAFKA_BROKER", "nohost")]).unwrap_err().to_string();
        assert!(
            err.contains("`kafka_broker`") && err.contains("KAFKA_BROKER"),
            "{err}"
        );
        let err = load(&[("KAFKA_TOPIC", "bad topic!")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`invoices_topic`"), "{err}");
        let err = load(&[("ACME_RUN_PROCESSOR", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`run_processor`"), "{err}");
        for (variable, value, says) in [
            ("ACME_PROCESSOR_BATCH_MAX", "0", "between 1 and 5000"),
            ("ACME_PASSWORD_CHECK_THREADS", "1000", "between 1 and 64"),
            (
                "ACME_KAFKA_PRODUCER_QUEUE_KIB",
                "10",
                "between 1024 and 1048576",
            ),
            ("ACME_PASSWORD_ITERATIONS", "1", "OWASP's minimum"),
        ] {
            let err = load(&[(variable, value)]).unwrap_err().to_string();
            assert!(err.contains(variable) && err.contains(says), "{err}");
        }
    }
}
