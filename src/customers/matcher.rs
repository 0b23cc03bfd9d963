//! Matching an author to customers by hash lookups only: every customer is indexed under
//! the keys it may be written as (its words in any order, nicknames, initials, parts),
//! and an author probes a few keys of its own, so linking stays linear in mentions.
//!
//! Only a unique strong match links: the same email or handle, or the whole name (in any
//! order, with accents, a nickname or without particles). Initials, a part of the name, a
//! single word, or two customers who both fit, are suggestions for staff.

use std::collections::HashMap;

use super::handles::{self, Strength};
use super::names::{self, PARTICLES};
use super::{Candidate, CustomerRecord, MatchResult, LINK_THRESHOLD};

/// The same email or handle.
const CONTACT: f32 = 1.0;
/// The whole name, as written.
const WHOLE_NAME: f32 = 0.95;
/// The whole name with one side's nickname or particles changed.
const NAME_VARIANT: f32 = 0.85;
/// The whole name with nicknames or particles changed on both sides.
const NAME_VARIANTS: f32 = 0.8;
/// Initials for some of the words ("R. Smith"), or a Mastodon name on an unknown server.
const INITIALS: f32 = 0.6;
/// Some of the customer's words ("Mary Watson" for Mary-Jane Watson), or the reverse.
const PART: f32 = 0.5;
/// One word alone ("Jane").
const ONE_WORD: f32 = 0.4;
/// Suggestions listed at most for one author.
const MAX_SUGGESTIONS: usize = 5;
/// Names longer than this are indexed by their whole name and words only.
const MAX_WORDS_INDEXED: usize = 5;

/// Which form of a name a key was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// As written.
    Written,
    /// With a nickname for its formal name, or without particles.
    Variant,
}

type Ids = Vec<(i64, Form)>;

/// Customers indexed by handle, email and name, so every lookup is a hash probe.
#[derive(Debug, Default)]
pub struct CustomerIndex {
    names: HashMap<i64, String>,
    emails: HashMap<i64, String>,
    by_handle: HashMap<String, Vec<(i64, Strength)>>,
    by_email: HashMap<String, Vec<i64>>,
    /// The whole name's order-free key, and its variants.
    by_whole: HashMap<String, Ids>,
    /// "full words|initials" for every split of the words.
    by_initials: HashMap<String, Ids>,
    /// Order-free keys of two or more (not all) of the words.
    by_part: HashMap<String, Ids>,
    /// Each word alone.
    by_word: HashMap<String, Ids>,
}

fn add<V: PartialEq + Copy>(map: &mut HashMap<String, Vec<(i64, V)>>, key: String, id: i64, v: V) {
    let ids = map.entry(key).or_default();
    if !ids.iter().any(|&(i, _)| i == id) {
        ids.push((id, v));
    }
}

/// A name's forms: as written (split at hyphens, then hyphens joined), then variants with
/// one nickname replaced by its formal name, or without particles.
fn forms(words: &[String], joined: &[String]) -> Vec<(Vec<String>, Form)> {
    let mut out = vec![(words.to_vec(), Form::Written)];
    if joined != words {
        out.push((joined.to_vec(), Form::Written));
    }
    for (i, word) in words.iter().enumerate() {
        for formal in names::formal_names(word) {
            let mut variant = words.to_vec();
            variant[i] = formal.clone();
            out.push((variant, Form::Variant));
        }
    }
    let bare: Vec<String> = words
        .iter()
        .filter(|w| !PARTICLES.contains(&w.as_str()))
        .cloned()
        .collect();
    if bare.len() != words.len() && bare.len() >= 2 {
        out.push((bare, Form::Variant));
    }
    out
}

/// "full words|initials" of the words chosen by `mask` (full) and the rest (initials).
fn initials_key(words: &[String], mask: usize) -> Option<String> {
    let (mut full, mut initials) = (Vec::new(), Vec::new());
    for (i, word) in words.iter().enumerate() {
        if mask & (1 << i) != 0 {
            full.push(word.as_str());
        } else {
            initials.push(word.get(..1)?);
        }
    }
    if full.is_empty() || initials.is_empty() || full.iter().any(|w| names::is_initial(w)) {
        return None;
    }
    Some(format!("{}|{}", names::key(&full), names::key(&initials)))
}

impl CustomerIndex {
    /// Add a customer.
    pub fn insert(&mut self, id: i64, record: &CustomerRecord) {
        self.names.insert(id, record.name.clone());
        for handle in &record.handles {
            for (key, strength) in handles::customer_keys(handle) {
                add(&mut self.by_handle, key, id, strength);
            }
        }
        if let Some(email) = &record.email {
            let email = email.to_lowercase();
            self.emails.insert(id, email.clone());
            let ids = self.by_email.entry(email).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let words = names::tokens(&record.name);
        let joined = names::tokens_joined(&record.name);
        for (form_words, form) in forms(&words, &joined) {
            add(&mut self.by_whole, names::key(&form_words), id, form);
            for word in &form_words {
                add(&mut self.by_word, word.clone(), id, form);
            }
            let n = form_words.len();
            if !(2..=MAX_WORDS_INDEXED).contains(&n) {
                continue;
            }
            for mask in 1..(1usize << n) - 1 {
                if let Some(key) = initials_key(&form_words, mask) {
                    add(&mut self.by_initials, key, id, form);
                }
                let part: Vec<&String> = (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| &form_words[i])
                    .collect();
                if part.len() >= 2 {
                    add(&mut self.by_part, names::key(&part), id, form);
                }
            }
        }
    }

    /// Number of customers indexed.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no customers are known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// A customer's email, as indexed.
    pub fn email(&self, id: i64) -> Option<&str> {
        self.emails.get(&id).map(String::as_str)
    }

    /// Every indexed customer email.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.emails.values().map(String::as_str)
    }

    /// Match a mention's author (a name, a handle, an email, or "name (email)").
    pub fn match_author(&self, author: &str) -> MatchResult {
        if self.is_empty() || author.trim().is_empty() {
            return MatchResult::default();
        }
        let mut weak = Vec::new();
        for word in
            author.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | ','))
        {
            let word =
                word.trim_matches(|c: char| matches!(c, '.' | ':' | ';' | '!' | '?' | '"' | '\''));
            if word.is_empty() {
                continue;
            }
            if looks_like_email(word) && !word.starts_with('@') {
                if let Some(ids) = self.by_email.get(&word.to_lowercase()) {
                    let found = ids.iter().map(|&id| (id, CONTACT, "same email".into()));
                    return self.decide(found.collect());
                }
            }
            let mut same = Vec::new();
            for (key, strength) in handles::author_keys(word) {
                for &(id, have) in self.by_handle.get(&key).into_iter().flatten() {
                    if strength == Strength::Same && have == Strength::Same {
                        same.push((id, CONTACT, "same handle".to_owned()));
                    } else {
                        weak.push((id, INITIALS, "same user name on another server".to_owned()));
                    }
                }
            }
            if !same.is_empty() {
                return self.decide(same);
            }
        }
        let text = strip_contacts(author);
        let mut found = weak;
        for reading in names::author_readings(&text) {
            let mut this = self.match_words(&reading);
            let strong = this.iter().any(|c| c.1 >= LINK_THRESHOLD);
            found.append(&mut this);
            if strong {
                break;
            }
        }
        self.decide(found)
    }

    /// Candidates for an author's name words, each with a confidence and why.
    fn match_words(&self, words: &[String]) -> Vec<(i64, f32, String)> {
        let mut found = Vec::new();
        let author_forms = forms(words, words);
        for (form_words, form) in &author_forms {
            for &(id, have) in self
                .by_whole
                .get(&names::key(form_words))
                .into_iter()
                .flatten()
            {
                let (confidence, why) = match (form, have) {
                    (Form::Written, Form::Written) => (WHOLE_NAME, "same name"),
                    (Form::Written, _) | (_, Form::Written) => {
                        (NAME_VARIANT, "same name (nickname or particle)")
                    }
                    _ => (NAME_VARIANTS, "same name (nicknames or particles)"),
                };
                found.push((id, confidence, why.to_owned()));
            }
        }
        if found.iter().any(|c| c.1 >= LINK_THRESHOLD) {
            return found;
        }
        for (form_words, _) in &author_forms {
            let (full, initials): (Vec<&String>, Vec<&String>) =
                form_words.iter().partition(|w| !names::is_initial(w));
            if !full.is_empty() && !initials.is_empty() {
                let key = format!("{}|{}", names::key(&full), names::key(&initials));
                for &(id, _) in self.by_initials.get(&key).into_iter().flatten() {
                    found.push((id, INITIALS, "initials".to_owned()));
                }
            }
            if form_words.len() >= 2 && initials.is_empty() {
                for &(id, _) in self
                    .by_part
                    .get(&names::key(form_words))
                    .into_iter()
                    .flatten()
                {
                    found.push((id, PART, "part of the name".to_owned()));
                }
            }
        }
        let n = words.len();
        if (3..=MAX_WORDS_INDEXED + 1).contains(&n) {
            for mask in 1..(1usize << n) - 1 {
                let part: Vec<&String> = (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| &words[i])
                    .collect();
                if part.len() >= 2 {
                    for &(id, form) in self.by_whole.get(&names::key(&part)).into_iter().flatten() {
                        if form == Form::Written {
                            found.push((id, PART, "name among other words".to_owned()));
                        }
                    }
                }
            }
        }
        if found.is_empty() && n == 1 {
            for (form_words, _) in &author_forms {
                let ids = self.by_word.get(&form_words[0]).into_iter().flatten();
                for &(id, _) in ids.take(MAX_SUGGESTIONS) {
                    found.push((id, ONE_WORD, "one name only".to_owned()));
                }
            }
        }
        found
    }

    /// A unique strong candidate links; when two customers both fit, or none is strong,
    /// all are suggestions.
    fn decide(&self, mut found: Vec<(i64, f32, String)>) -> MatchResult {
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut seen = std::collections::HashSet::new();
        found.retain(|f| seen.insert(f.0));
        found.truncate(MAX_SUGGESTIONS);
        let strong = found.iter().filter(|f| f.1 >= LINK_THRESHOLD).count();
        let mut candidates = found.into_iter().map(|(id, confidence, why)| Candidate {
            customer_id: id,
            name: self.names.get(&id).cloned().unwrap_or_default(),
            confidence,
            why,
        });
        if strong == 1 {
            let link = candidates.next();
            return MatchResult {
                link,
                suggestions: candidates.collect(),
            };
        }
        let suggestions = candidates
            .map(|mut c| {
                if strong > 1 && c.confidence >= LINK_THRESHOLD {
                    c.why = format!("{} (several customers have this name)", c.why);
                }
                c
            })
            .collect();
        MatchResult {
            link: None,
            suggestions,
        }
    }
}

fn looks_like_email(word: &str) -> bool {
    match word.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }
        None => false,
    }
}

/// "Jane Doe (jane@x.test)" → "Jane Doe": contacts and handles are matched separately.
fn strip_contacts(author: &str) -> String {
    author
        .split_whitespace()
        .filter(|w| {
            let w = w.trim_start_matches(['(', '<', '[']);
            !w.contains('@') && !w.starts_with("u/") && !w.starts_with("/u/")
        })
        .collect::<Vec<_>>()
        .join(" ")
}
