//! The HTTP client and the evidence it records.
pub mod exchange;
pub mod http;
pub mod ratelimit;
pub mod redact;

pub use exchange::{Exchange, RecordedRequest, RecordedResponse};
pub use http::{Body, Client, ClientConfig, ClientError, Req, RequestId, describe_error};
pub use redact::Redactor;
