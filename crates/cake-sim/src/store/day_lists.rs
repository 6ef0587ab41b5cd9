//! Row numbers of the clicks of each key (an offer), each key's in day order once the store
//! indexes its clicks ([`DayLists::sort`]), so that a query naming the key reads only its clicks
//! of the days it needs: the partial months of an Affiliate Report filtered by offer.
//! A key with clicks added since is in the order added until then, and is read whole.

use std::collections::{BTreeMap, BTreeSet};

use super::clicks::ClickTable;

/// Each key's clicks, by row number.
#[derive(Debug, Clone, Default)]
pub(crate) struct DayLists {
    lists: BTreeMap<u32, Vec<u32>>,
    /// Keys with rows added since the last sort.
    unsorted: BTreeSet<u32>,
}

impl DayLists {
    /// Adds a click of `key`.
    pub fn push(&mut self, key: u32, row: u32) {
        self.lists.entry(key).or_default().push(row);
        self.unsorted.insert(key);
    }

    /// Every click of `key`.
    pub fn all(&self, key: u32) -> &[u32] {
        self.lists.get(&key).map_or(&[], Vec::as_slice)
    }

    /// The clicks of `key` on the days `from..=to` (day keys), when its list is in day order;
    /// `None` when it is not (read [`DayLists::all`] and check each click's day).
    pub fn on_days(&self, key: u32, clicks: &ClickTable, from: i32, to: i32) -> Option<&[u32]> {
        if self.unsorted.contains(&key) {
            return None;
        }
        let list = self.all(key);
        let day = |&row: &u32| clicks.row(row).map_or(i32::MAX, |r| r.day_key());
        let lo = list.partition_point(|row| day(row) < from);
        let hi = list.partition_point(|row| day(row) <= to);
        Some(&list[lo..hi.max(lo)])
    }

    /// Puts every key's clicks in day order (then in the order added).
    pub fn sort(&mut self, clicks: &ClickTable) {
        for key in std::mem::take(&mut self.unsorted) {
            if let Some(list) = self.lists.get_mut(&key) {
                let mut keyed: Vec<(i32, u32)> = list
                    .iter()
                    .map(|&row| (clicks.row(row).map_or(i32::MAX, |r| r.day_key()), row))
                    .collect();
                keyed.sort_unstable();
                list.clear();
                list.extend(keyed.into_iter().map(|(_, row)| row));
            }
        }
    }
}
