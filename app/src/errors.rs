//! The one error type of every server function. A client's mistake (a missing field, a body
//! that cannot be read, one that is too large) is a 4xx; only our own failures (database or
//! broker down) are a 5xx. On the wire it is JSON, `{"kind":"bad_request","error":"..."}`, for
//! API callers and for our own pages alike; the server's `client_errors` layer sets the HTTP
//! status from `kind` (server functions always answer 500 otherwise).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// The response header server functions set on an error.
pub use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case", from = "WireError")]
pub enum AppError {
    /// The request cannot be read: a field missing, of the wrong type, not UTF-8, bad JSON.
    #[error("{error}")]
    BadRequest { error: String },
    /// The body is over the limit from settings.
    #[error("{error}")]
    TooLarge { error: String },
    /// The caller's role does not allow it (see `auth::rules`).
    #[error("{error}")]
    Forbidden { error: String },
    /// Well formed, but names something that is not there (a topic, a group).
    #[error("{error}")]
    NotFound { error: String },
    /// Cannot be done in the present state (another change under way): try again later.
    #[error("{error}")]
    Conflict { error: String },
    /// The database or the broker did not answer: try again later.
    #[error("{error}")]
    Unavailable { error: String },
    /// Our own failure.
    #[error("{error}")]
    Internal { error: String },
}

/// An error as it is read back (by our pages, in the browser): the same JSON as a flat struct.
/// serde reads an internally tagged enum by buffering every field first, and that buffering
/// code would be in every page's wasm for this type alone.
#[derive(Deserialize)]
struct WireError {
    kind: Kind,
    error: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    BadRequest,
    TooLarge,
    Forbidden,
    NotFound,
    Conflict,
    Unavailable,
    Internal,
}

impl From<WireError> for AppError {
    fn from(WireError { kind, error }: WireError) -> Self {
        match kind {
            Kind::BadRequest => Self::BadRequest { error },
            Kind::TooLarge => Self::TooLarge { error },
            Kind::Forbidden => Self::Forbidden { error },
            Kind::NotFound => Self::NotFound { error },
            Kind::Conflict => Self::Conflict { error },
            Kind::Unavailable => Self::Unavailable { error },
            Kind::Internal => Self::Internal { error },
        }
    }
}

impl AppError {
    pub fn bad_request(error: impl Into<String>) -> Self {
        Self::BadRequest {
            error: error.into(),
        }
    }

    pub fn forbidden(error: impl Into<String>) -> Self {
        Self::Forbidden {
            error: error.into(),
        }
    }

    pub fn not_found(error: impl Into<String>) -> Self {
        Self::NotFound {
            error: error.into(),
        }
    }

    /// A dependency failed; logged here, as a failure of ours, with what went wrong.
    pub fn unavailable(error: impl Into<String>, cause: &dyn std::fmt::Display) -> Self {
        let error = error.into();
        #[cfg(feature = "ssr")]
        tracing::error!(cause = %cause, "{error}");
        #[cfg(not(feature = "ssr"))]
        let _ = cause;
        Self::Unavailable { error }
    }

    /// A bug of ours; logged.
    pub fn internal(error: impl Into<String>) -> Self {
        let error = error.into();
        #[cfg(feature = "ssr")]
        tracing::error!("{error}");
        Self::Internal { error }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Forbidden { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::TooLarge { .. } => 413,
            Self::Internal { .. } => 500,
            Self::Unavailable { .. } => 503,
        }
    }

    /// Whether the caller sent something wrong (as opposed to us failing).
    pub fn is_client_mistake(&self) -> bool {
        self.status() < 500
    }

    pub fn reason(&self) -> &str {
        match self {
            Self::BadRequest { error }
            | Self::TooLarge { error }
            | Self::Forbidden { error }
            | Self::NotFound { error }
            | Self::Conflict { error }
            | Self::Unavailable { error }
            | Self::Internal { error } => error,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Reading the request: the caller's mistake.
            ServerFnErrorErr::Args(e) | ServerFnErrorErr::MissingArg(e) => Self::bad_request(e),
            ServerFnErrorErr::Deserialization(e) if e.contains("length limit") => Self::TooLarge {
                error: "the request body is too large".into(),
            },
            ServerFnErrorErr::Deserialization(e) => Self::bad_request(e),
            // In the browser: the server could not be reached or answered nonsense.
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => Self::Unavailable {
                error: format!("could not reach the server: {e}"),
            },
            other => Self::internal(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::unavailable("Database Error: please try again.", &e)
    }
}

impl From<crate::kafka_tools::ToolError> for AppError {
    fn from(e: crate::kafka_tools::ToolError) -> Self {
        use crate::kafka_tools::ToolError;
        match e {
            // The broker refused what was asked (the topic exists, too many partitions...).
            ToolError::Invalid(_) | ToolError::Kafka(_) => Self::bad_request(e.to_string()),
            ToolError::Busy(_) => Self::Conflict {
                error: e.to_string(),
            },
            ToolError::UnknownTopic(_) | ToolError::UnknownGroup(_) => {
                Self::not_found(e.to_string())
            }
            ToolError::Unreachable(_) | ToolError::Database(_) => {
                let reason = e.to_string();
                Self::unavailable(reason, &e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_errors_are_the_callers_and_say_so_in_json() {
        let missing = AppError::from_server_fn_error(ServerFnErrorErr::Args(
            "missing field `customer_id`".into(),
        ));
        assert_eq!(missing.status(), 400);
        let too_large = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(
            "length limit exceeded".into(),
        ));
        assert_eq!(too_large.status(), 413);
        assert_eq!(
            serde_json::to_value(&missing).unwrap(),
            serde_json::json!({"kind": "bad_request", "error": "missing field `customer_id`"})
        );
        let round_trip: AppError =
            serde_json::from_slice(&serde_json::to_vec(&too_large).unwrap()).unwrap();
        assert_eq!(round_trip, too_large);
    }

    #[test]
    fn every_kind_reads_back_as_it_was_written() {
        let error = || "why".to_string();
        for sent in [
            AppError::BadRequest { error: error() },
            AppError::TooLarge { error: error() },
            AppError::Forbidden { error: error() },
            AppError::NotFound { error: error() },
            AppError::Conflict { error: error() },
            AppError::Unavailable { error: error() },
            AppError::Internal { error: error() },
        ] {
            let json = serde_json::to_string(&sent).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&json).unwrap(),
                sent,
                "{json}"
            );
        }
        // Field order does not matter; an unknown kind is refused.
        assert_eq!(
            serde_json::from_str::<AppError>(r#"{"error":"gone","kind":"not_found"}"#).unwrap(),
            AppError::not_found("gone")
        );
        assert!(serde_json::from_str::<AppError>(r#"{"kind":"teapot","error":"x"}"#).is_err());
    }
}
