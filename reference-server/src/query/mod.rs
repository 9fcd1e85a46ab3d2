//! placeholder, being written
pub fn register_functions(_c: &rusqlite::Connection) -> rusqlite::Result<()> { Ok(()) }
