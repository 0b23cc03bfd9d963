//! Small values Earshot keeps for itself across restarts (the `settings` table).

use super::{Store, StoreError};

impl Store {
    /// The web log's signing secret (64 hex digits): the kept one, or a new random one
    /// kept now when there is none, so logins survive restarts.
    pub fn web_secret(&self) -> Result<String, StoreError> {
        let fresh = crate::hashes::random_hex(32);
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES ('web_secret', ?1) ON CONFLICT DO NOTHING",
            [fresh],
        )?;
        Ok(self.conn().query_row(
            "SELECT value FROM settings WHERE key = 'web_secret'",
            [],
            |r| r.get(0),
        )?)
    }
}
