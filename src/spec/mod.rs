//! The OpenAPI side: loading documents (3.0/3.1, YAML/JSON, file/URL, `$ref`s), the API model
//! built from them, and response-schema validation.
pub mod load;
pub mod model;
pub mod pointer;
pub mod schema;
pub mod walk;

pub use load::{Document, OasVersion, SpecError, load};
pub use model::{ApiModel, Operation, Param, Resource, ResponseSpec, SchemaRef, build};
pub use schema::{SchemaStore, Violation};
