//! Typed settings, read once from the environment at start. A malformed value
//! stops the start with a message that names the variable.

use super::mail::{MailSettings, check_smtp_url};
use leptos::config::LeptosOptions;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub env: AppEnv,
    pub demo: bool,
    /// Mark the session cookie `Secure` (the site is served over TLS).
    pub cookie_secure: bool,
    pub log_format: LogFormat,
    /// Logins and registrations allowed per client address and minute.
    pub auth_rate_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_proxy: bool,
    /// A session ends after this many seconds without a request (sliding).
    pub session_idle_secs: i64,
    /// A session ends this many seconds after login, active or not.
    pub session_max_secs: i64,
    /// Requests a patient may send one researcher in 24 hours (0: no limit).
    pub requests_per_pair_per_day: u32,
    /// Open WebSockets this instance accepts; past it the upgrade answers 503.
    pub max_sockets: usize,
    /// How often the server looks for requests whose time passed unanswered.
    pub expiry_sweep_secs: i64,
    /// Email (SPEC 12): set with `APP_SMTP_URL` and `APP_MAIL_FROM`.
    pub mail: Option<MailSettings>,
    /// Where the app is reached, for links in emails (`APP_PUBLIC_URL`).
    pub public_url: String,
    pub leptos: LeptosOptions,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/meetings.db?mode=rwc";

fn parse_secs(name: &str, raw: Option<String>, default: i64) -> Result<i64, ConfigError> {
    match raw {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError(format!(
                "{name} must be a whole number of seconds above 0, not {v:?}"
            ))),
        },
    }
}

fn parse_count(
    name: &str,
    raw: Option<String>,
    default: u32,
    min: u32,
) -> Result<u32, ConfigError> {
    match raw {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(ConfigError(format!(
                "{name} must be a whole number of at least {min}, not {v:?}"
            ))),
        },
    }
}

fn parse_bool(name: &str, raw: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError(format!(
                "{name} must be true or false, not {v:?}"
            ))),
        },
    }
}

impl Config {
    /// Reads the process environment and `Leptos.toml` (if present in the
    /// working directory; `LEPTOS_*` variables override it).
    pub fn from_env() -> Result<Config, ConfigError> {
        let leptos_file =
            std::env::var("LEPTOS_CONFIG_FILE").unwrap_or_else(|_| "Leptos.toml".into());
        let conf = if Path::new(&leptos_file).exists() {
            leptos::config::get_configuration(Some(&leptos_file))
        } else {
            leptos::config::get_configuration(None)
        }
        .map_err(|e| ConfigError(format!("LEPTOS_* settings or {leptos_file}: {e}")))?;
        Config::from_lookup(|name| std::env::var(name).ok(), conf.leptos_options)
    }

    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        leptos: LeptosOptions,
    ) -> Result<Config, ConfigError> {
        let env = match get("APP_ENV").as_deref().map(str::trim) {
            None | Some("") | Some("development") | Some("dev") => AppEnv::Development,
            Some("test") => AppEnv::Test,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_ENV must be development, test or production, not {other:?}"
                )));
            }
        };
        let demo = parse_bool("APP_DEMO", get("APP_DEMO"), false)?;
        if demo && env == AppEnv::Production {
            return Err(ConfigError(
                "APP_DEMO=true is refused when APP_ENV=production: demo accounts have public passwords".into(),
            ));
        }
        let database_url = match get("DATABASE_URL") {
            None => DEFAULT_DATABASE_URL.to_string(),
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url
            }
            Some(url) if url.trim().is_empty() => DEFAULT_DATABASE_URL.to_string(),
            Some(_) => {
                return Err(ConfigError(
                    "DATABASE_URL must start with sqlite: or postgres://".into(),
                ));
            }
        };
        let cookie_secure = parse_bool(
            "APP_COOKIE_SECURE",
            get("APP_COOKIE_SECURE"),
            env == AppEnv::Production,
        )?;
        let log_format = match get("APP_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("") => {
                if env == AppEnv::Production {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                }
            }
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_LOG_FORMAT must be text or json, not {other:?}"
                )));
            }
        };
        // Enough for a busy office behind one address; the limit on failed
        // logins per account and address is what stops password guessing.
        let auth_rate_per_minute = parse_count(
            "APP_AUTH_RATE_PER_MINUTE",
            get("APP_AUTH_RATE_PER_MINUTE"),
            300,
            1,
        )?;
        let requests_per_pair_per_day = parse_count(
            "APP_REQUESTS_PER_PAIR_PER_DAY",
            get("APP_REQUESTS_PER_PAIR_PER_DAY"),
            10,
            0,
        )?;
        let max_sockets =
            parse_count("APP_MAX_SOCKETS", get("APP_MAX_SOCKETS"), 10_000, 1)? as usize;
        let trust_proxy = parse_bool("APP_TRUST_PROXY", get("APP_TRUST_PROXY"), false)?;
        let session_idle_secs = parse_secs(
            "APP_SESSION_IDLE_SECS",
            get("APP_SESSION_IDLE_SECS"),
            30 * 60,
        )?;
        let session_max_secs = parse_secs(
            "APP_SESSION_MAX_SECS",
            get("APP_SESSION_MAX_SECS"),
            12 * 3600,
        )?;
        let expiry_sweep_secs =
            parse_secs("APP_EXPIRY_SWEEP_SECS", get("APP_EXPIRY_SWEEP_SECS"), 30)?;
        let mail = match get("APP_SMTP_URL").as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => {
                check_smtp_url(url).map_err(|e| {
                    ConfigError(format!(
                        "APP_SMTP_URL must look like smtp://host:port, smtps://user:pass@host:port \
                         or smtp://host:port?tls=starttls ({e})"
                    ))
                })?;
                let from = get("APP_MAIL_FROM").unwrap_or_default();
                let from = from.trim();
                if from.is_empty() {
                    return Err(ConfigError(
                        "APP_MAIL_FROM must be set (e.g. CareBridge <noreply@example.org>) when APP_SMTP_URL is".into(),
                    ));
                }
                let from = from.parse().map_err(|e| {
                    ConfigError(format!(
                        "APP_MAIL_FROM is not an email address ({e}): {from:?}"
                    ))
                })?;
                Some(MailSettings {
                    smtp_url: url.to_string(),
                    from,
                })
            }
        };
        let public_url = match get("APP_PUBLIC_URL").as_deref().map(str::trim) {
            None | Some("") => format!("http://{}", leptos.site_addr),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_string()
            }
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_PUBLIC_URL must start with http:// or https://, not {other:?}"
                )));
            }
        };
        Ok(Config {
            mail,
            public_url,
            expiry_sweep_secs,
            database_url,
            env,
            demo,
            cookie_secure,
            log_format,
            auth_rate_per_minute,
            trust_proxy,
            session_idle_secs,
            session_max_secs,
            requests_per_pair_per_day,
            max_sockets,
            leptos,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(
            |k| map.get(k).cloned(),
            LeptosOptions::builder().output_name("test").build(),
        )
    }

    #[test]
    fn defaults_are_sqlite_development_without_demo() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.env, AppEnv::Development);
        assert!(!c.demo);
        assert!(!c.cookie_secure);
        assert_eq!(c.auth_rate_per_minute, 300);
        assert_eq!((c.session_idle_secs, c.session_max_secs), (1800, 43200));
        assert_eq!((c.requests_per_pair_per_day, c.max_sockets), (10, 10_000));
        assert_eq!(
            config(&[("APP_REQUESTS_PER_PAIR_PER_DAY", "0")])
                .unwrap()
                .requests_per_pair_per_day,
            0
        );
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (name, value) in [
            ("APP_DEMO", "maybe"),
            ("APP_ENV", "staging"),
            ("DATABASE_URL", "mysql://x"),
            ("APP_LOG_FORMAT", "xml"),
            ("APP_AUTH_RATE_PER_MINUTE", "-1"),
            ("APP_COOKIE_SECURE", "2"),
            ("APP_SESSION_IDLE_SECS", "soon"),
            ("APP_REQUESTS_PER_PAIR_PER_DAY", "-2"),
            ("APP_MAX_SOCKETS", "0"),
            ("APP_EXPIRY_SWEEP_SECS", "0"),
            ("APP_SMTP_URL", "mail.example.org"),
            ("APP_SMTP_URL", "http://mail.example.org"),
            ("APP_PUBLIC_URL", "care.example.org"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn email_needs_a_sender_and_a_valid_url() {
        assert!(config(&[]).unwrap().mail.is_none());
        let err = config(&[("APP_SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err();
        assert!(err.to_string().contains("APP_MAIL_FROM"), "{err}");
        let err = config(&[
            ("APP_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("APP_MAIL_FROM", "not an address"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("APP_MAIL_FROM"), "{err}");
        for url in [
            "smtp://127.0.0.1:2525",
            "smtps://user:secret@mail.example.org:465",
            "smtp://mail.example.org:587?tls=required",
        ] {
            let c = config(&[
                ("APP_SMTP_URL", url),
                ("APP_MAIL_FROM", "CareBridge <noreply@example.org>"),
                ("APP_PUBLIC_URL", "https://care.example.org/"),
            ])
            .unwrap();
            assert_eq!(c.mail.unwrap().smtp_url, url);
            assert_eq!(c.public_url, "https://care.example.org");
        }
    }

    #[test]
    fn demo_is_refused_in_production() {
        let err = config(&[("APP_ENV", "production"), ("APP_DEMO", "true")]).unwrap_err();
        assert!(err.to_string().contains("APP_DEMO"));
        let prod = config(&[("APP_ENV", "production")]).unwrap();
        assert!(prod.cookie_secure);
    }

    /// The build writes the site where Cargo.toml says; the server looks
    /// where Leptos.toml says. They must agree.
    #[test]
    fn leptos_toml_agrees_with_cargo_toml() {
        let root = env!("CARGO_MANIFEST_DIR");
        let cargo = leptos::config::get_config_from_str(
            &std::fs::read_to_string(format!("{root}/Cargo.toml")).unwrap(),
        )
        .unwrap();
        let runtime = leptos::config::get_config_from_str(
            &std::fs::read_to_string(format!("{root}/Leptos.toml")).unwrap(),
        )
        .unwrap();
        assert_eq!(cargo.output_name, runtime.output_name);
        assert_eq!(cargo.site_root, runtime.site_root);
        assert_eq!(cargo.site_pkg_dir, runtime.site_pkg_dir);
        assert_eq!(cargo.hash_files, runtime.hash_files);
    }
}
