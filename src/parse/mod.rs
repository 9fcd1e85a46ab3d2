//! Parsers for the header syntaxes rules judge, written to accept anything a server might send
//! without panicking (they are fuzzed).

pub mod link_header;
