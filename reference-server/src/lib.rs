//! reference-server: an implementation of the whole HTTP API Specs v1 guide on embedded SQLite.
pub mod db;
pub mod model;
pub mod query;
