//! The names of researchers, kept in memory: a request names its researcher,
//! and neither an account's role nor its name ever changes, so once read a
//! name is right for good (on every instance), and sending a request needs
//! no read of the `users` table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Past this many entries the map starts afresh (a bound on memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct Researchers {
    names: Mutex<HashMap<i64, Arc<str>>>,
}

impl Researchers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<str>>> {
        // Every change is a single insert or a clear: a poisoned map is usable.
        self.names.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The name of researcher `id`, if it was read before.
    pub fn get(&self, id: i64) -> Option<Arc<str>> {
        self.lock().get(&id).cloned()
    }

    /// Remembers that `id` is a researcher called `name`.
    pub fn put(&self, id: i64, name: &str) -> Arc<str> {
        let name: Arc<str> = Arc::from(name);
        let mut names = self.lock();
        if names.len() >= MAX_ENTRIES {
            names.clear();
        }
        names.insert(id, name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_names_and_stays_bounded() {
        let r = Researchers::default();
        assert_eq!(r.get(1), None);
        r.put(1, "Dr. A");
        assert_eq!(r.get(1).as_deref(), Some("Dr. A"));
        for id in 0..MAX_ENTRIES as i64 + 1 {
            r.put(id + 10, "x");
        }
        assert!(r.lock().len() <= MAX_ENTRIES);
    }
}
