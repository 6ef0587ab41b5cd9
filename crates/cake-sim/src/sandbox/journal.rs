//! The journal ([`Journal`]): the last requests the simulator received on CAKE's operations,
//! with the status answered, for a test to read back (`GET /_sim/journal`). It never holds the
//! api_key: queries are redacted before they get here.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// One request the simulator received on one of CAKE's operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Its place in the journal, from 1 (since the start or the last reset).
    pub seq: u64,
    /// The operationId.
    pub operation_id: String,
    /// The query as received, with the api_key's value replaced by `***`.
    pub query: String,
    /// The status answered; absent when the connection was dropped (a `commit_then_drop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// The last [`Journal::CAPACITY`] requests, oldest first.
#[derive(Debug, Default)]
pub struct Journal {
    entries: VecDeque<JournalEntry>,
    total: u64,
}

impl Journal {
    /// How many entries it keeps; older ones are let go (`total` still counts them).
    pub const CAPACITY: usize = 10_000;

    /// Adds an entry.
    pub fn push(&mut self, operation_id: &str, query: String, status: Option<u16>) {
        self.total += 1;
        if self.entries.len() == Self::CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(JournalEntry {
            seq: self.total,
            operation_id: operation_id.to_string(),
            query,
            status,
        });
    }

    /// The entries kept, oldest first, and how many requests came in all.
    pub fn entries(&self) -> (Vec<JournalEntry>, u64) {
        (self.entries.iter().cloned().collect(), self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_the_last_entries_and_counts_all() {
        let mut j = Journal::default();
        for i in 0..(Journal::CAPACITY + 5) {
            j.push("get_click", format!("n={i}"), Some(200));
        }
        let (entries, total) = j.entries();
        assert_eq!(entries.len(), Journal::CAPACITY);
        assert_eq!(total, (Journal::CAPACITY + 5) as u64);
        assert_eq!(entries[0].seq, 6);
    }
}
