//! The one place that decides who said it, how urgent it is, and whether the owner gets
//! an email.
//!
//! A fetched batch goes through, in order: relevance → dedupe key → score (this file), then,
//! inside the store transaction that keeps the batch: store (new, edited or unchanged) →
//! backfill → link to a customer → triage with that customer's facts read once → the alert
//! decision ([`decide`], pure). Every other change that can move a priority (a customer
//! import, `link`/`unlink`, a staff step) goes through the same [`redecide`], so a mention
//! that becomes urgent later gets its one `[URGENT]` email whatever made it so.

mod corrections;
pub mod decide;
pub mod learning;

pub use corrections::{correct, Corrected, Correction};

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::store::sql::Tx;
use chrono::{DateTime, Utc};

use crate::config::{Config, Source, TriageSettings};
use crate::customers::{CustomerIndex, CustomerRecord};
use crate::fetch::Fetcher;
use crate::model::{CaseStatus, Priority};
use crate::sentiment::{Analyzer, LearnedTerms};
use crate::sources::dedupe::{assign_keys, content_hash};
use crate::sources::relevance::Relevance;
use crate::sources::RawItem;
use crate::store::{CaseAction, ImportSummary, MentionUpdate, NewMention, Store, StoreError};
use crate::triage::triage;
use decide::{decide_history, is_backfill, MentionFacts};

/// Everything a cycle needs that does not change between cycles.
pub struct Pipeline {
    pub(crate) config: Arc<Config>,
    /// Swapped whole when the business's learned terms change (`earshot learn`).
    analyzer: arc_swap::ArcSwap<Analyzer>,
    /// The business's learned terms in that analyzer, if any.
    business: arc_swap::ArcSwapOption<LearnedTerms>,
    relevance: Relevance,
    /// Per `[[location]]` with aliases: the business's names and that location's, for its
    /// sources' relevance.
    location_relevance: std::collections::HashMap<String, Relevance>,
    /// `[business] exclude`: items naming one of these are not about the business.
    excluded: Relevance,
    pub(crate) fetcher: Fetcher,
    /// Sources between the start of their fetch and the end of their write: bounds the
    /// parsed mentions waiting in memory, however many sources are due at once.
    pub(crate) in_flight: Arc<tokio::sync::Semaphore>,
}

/// Sources in flight per allowed concurrent request (one fetching, one parsing or writing).
const IN_FLIGHT_PER_REQUEST: usize = 2;

/// What storing one source's batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Mentions stored for the first time.
    pub new: usize,
    /// Mentions whose author edited them.
    pub updated: usize,
    /// New mentions taken in as backfill (older than the window before the first poll).
    pub backfill: usize,
    /// Alert emails queued.
    pub alerts_queued: usize,
}

impl Pipeline {
    /// Build the pipeline from a validated config.
    pub fn new(config: Arc<Config>) -> anyhow::Result<Pipeline> {
        let analyzer = arc_swap::ArcSwap::from_pointee(Analyzer::new(config.sentiment_options()));
        let relevance = Relevance::new(config.business_names());
        let location_relevance = config
            .locations
            .iter()
            .filter(|l| !l.aliases.is_empty())
            .map(|l| {
                let names = config
                    .business_names()
                    .chain(l.aliases.iter().map(String::as_str));
                (l.name.clone(), Relevance::new(names))
            })
            .collect();
        let excluded = Relevance::new(config.business.exclude.iter().map(String::as_str));
        let fetcher = Fetcher::new(&config.fetch)?;
        let in_flight = config.fetch.max_concurrent * IN_FLIGHT_PER_REQUEST;
        Ok(Pipeline {
            config,
            analyzer,
            business: arc_swap::ArcSwapOption::empty(),
            relevance,
            location_relevance,
            excluded,
            fetcher,
            in_flight: Arc::new(tokio::sync::Semaphore::new(in_flight)),
        })
    }

    /// The config this pipeline runs.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sentiment analyzer configured for this business.
    pub fn analyzer(&self) -> Arc<Analyzer> {
        self.analyzer.load_full()
    }

    /// Scores from now on with the business's learned terms on top of the base model
    /// (None: the base model alone); the same terms as in use change nothing.
    pub fn use_business_terms(&self, terms: Option<Arc<LearnedTerms>>) {
        // `run` looks hourly: compiling the lexicon again for the same terms is waste.
        if self.business.load_full() == terms {
            return;
        }
        let mut options = self.config.sentiment_options();
        options.learned.extend(terms.clone());
        self.analyzer.store(Arc::new(Analyzer::new(options)));
        self.business.store(terms);
    }

    /// The business's learned terms in use, if any.
    pub fn business_terms(&self) -> Option<Arc<LearnedTerms>> {
        self.business.load_full()
    }

    /// Reads the business's learned terms from `store` and scores with them.
    pub fn load_business_terms(&self, store: &Store) -> Result<(), StoreError> {
        let terms = learning::business_layer(store)?.map(Arc::new);
        self.use_business_terms(terms);
        Ok(())
    }

    /// The keys of every item of a complete read, before relevance drops any: what the
    /// source still lists.
    pub fn listed_keys(&self, items: &[RawItem]) -> std::collections::HashSet<String> {
        assign_keys(items).into_iter().collect()
    }

    /// Relevance, dedupe key and score for a source's items; also how many were dropped
    /// for not naming the business or for naming an excluded phrase.
    pub fn mentions_from(&self, source: &Source, items: Vec<RawItem>) -> (Vec<NewMention>, usize) {
        let total = items.len();
        let relevant: Vec<RawItem> = items
            .into_iter()
            .filter(|item| !source.require_mention || self.names_business(source, item))
            .filter(|item| !self.is_excluded(item))
            .collect();
        let dropped = total - relevant.len();
        let keys = assign_keys(&relevant);
        let mentions = relevant
            .into_iter()
            .zip(keys)
            .map(|(item, key)| self.new_mention(source, item, key))
            .collect();
        (mentions, dropped)
    }

    /// How `item` would be scored and whether it names the business, storing nothing
    /// (`earshot sources add` and `sources test` show this before anything is polled).
    pub fn preview(&self, item: &RawItem) -> (crate::sentiment::Score, bool) {
        let scored_text = scored_text(item.title.as_deref(), &item.text);
        let score = self
            .analyzer
            .load()
            .score_with_rating(&scored_text, item.rating);
        let names = self.relevance.mentions(item_words(item));
        (score, names && !self.is_excluded(item))
    }

    /// Whether `item` names the business, or (for a source of a location) that location.
    fn names_business(&self, source: &Source, item: &RawItem) -> bool {
        let relevance = source
            .location_name
            .as_ref()
            .and_then(|name| self.location_relevance.get(name))
            .unwrap_or(&self.relevance);
        relevance.mentions(item_words(item))
    }

    /// `[business] exclude`: a street, a namesake or a competitor's product.
    fn is_excluded(&self, item: &RawItem) -> bool {
        let fields = [item.title.as_deref(), Some(item.text.as_str())];
        self.excluded.mentions(fields.into_iter().flatten())
    }

    fn new_mention(&self, source: &Source, item: RawItem, key: String) -> NewMention {
        let scored_text = scored_text(item.title.as_deref(), &item.text);
        let score = self
            .analyzer
            .load()
            .score_with_rating(&scored_text, item.rating);
        // Provisional: the batch's decision re-triages it with its customer's facts.
        let verdict = triage(score.label, None, &self.config.triage);
        NewMention {
            source: source.name.clone(),
            content_hash: content_hash(&item),
            key,
            url: item.url,
            author: item.author,
            author_email: item.author_email,
            title: item.title,
            text: item.text,
            published_at: item.published_at,
            rating: item.rating,
            score: score.value,
            label: score.label,
            language: score.language,
            terms: score.terms,
            priority: verdict.priority,
            priority_reasons: verdict.reasons,
            location: source.location_name.clone(),
        }
    }

    /// Store one source's batch inside `tx` and decide what it means (see [`store_batch`]).
    pub fn store_batch(
        &self,
        tx: &Tx<'_>,
        source: &str,
        mentions: &[NewMention],
        customers: &CustomerIndex,
        now: DateTime<Utc>,
    ) -> Result<BatchReport, StoreError> {
        let rules = Rules {
            triage: &self.config.triage,
            backfill: self.config.alerts.backfill,
        };
        store_batch(tx, &rules, source, mentions, customers, now)
    }
}

/// After a read that saw a source's whole list (`listed`): its mentions missing from it
/// are marked removed upstream (kept, with when they went), and a marked one listed again
/// is cleared. Returns how many were marked.
pub fn mark_removed_upstream(
    tx: &Tx<'_>,
    source: &str,
    listed: &std::collections::HashSet<String>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut marked = 0;
    for (id, key, removed) in Store::listed_mentions(tx, source)? {
        let present = listed.contains(&key);
        if present == removed {
            Store::set_removed_upstream(tx, id, !present, now)?;
            marked += usize::from(!present);
        }
    }
    Ok(marked)
}

/// The fields relevance reads of an item: title, text and author.
fn item_words(item: &RawItem) -> impl Iterator<Item = &str> {
    [
        item.title.as_deref(),
        Some(item.text.as_str()),
        item.author.as_deref(),
    ]
    .into_iter()
    .flatten()
}

/// The words the model scores: the title, as its own sentence, then the text.
pub fn scored_text(title: Option<&str>, text: &str) -> String {
    match title {
        Some(title) if !text.starts_with(title) => {
            // The title is its own sentence; keep its own punctuation ("renovating??").
            let stop = if title.ends_with(['.', '!', '?']) {
                ""
            } else {
                "."
            };
            format!("{title}{stop} {text}")
        }
        _ => text.to_owned(),
    }
}

/// The settings the decisions follow.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// Triage: thresholds, A-list, repeat window.
    pub triage: &'a TriageSettings,
    /// `[alerts] backfill`.
    pub backfill: std::time::Duration,
}

/// Store one source's batch inside `tx` and decide what it means: backfill, links,
/// priorities and alert emails. Unchanged items are left alone.
pub fn store_batch(
    tx: &Tx<'_>,
    rules: &Rules<'_>,
    source: &str,
    mentions: &[NewMention],
    customers: &CustomerIndex,
    now: DateTime<Utc>,
) -> Result<BatchReport, StoreError> {
    let mut report = BatchReport::default();
    let first_success = Store::source_first_success(tx, source)?;
    let mut touched = Touched::default();
    let mut edited = false;
    for mention in mentions {
        let id = match Store::upsert_mention(tx, mention, now)? {
            MentionUpdate::Inserted(id) => {
                report.new += 1;
                if is_backfill(mention.published_at, first_success, now, rules.backfill) {
                    Store::mark_backfill(tx, id)?;
                    report.backfill += 1;
                }
                id
            }
            MentionUpdate::Edited { id, was, status } => {
                report.updated += 1;
                edited = true;
                if decide::recovered_by_edit(status, was, mention.label) {
                    let note = format!("author edited the complaint to {}", mention.label);
                    Store::mark_recovered(tx, id, &note, now)?;
                }
                id
            }
            MentionUpdate::Unchanged(_) => continue,
        };
        touched.add(id, link(tx, customers, id, &link_text(mention))?);
    }
    let why = if edited {
        "the post was edited"
    } else {
        "a new post"
    };
    report.alerts_queued = redecide(tx, &touched, rules.triage, why, now)?;
    Ok(report)
}

/// What customer matching reads of an author: the email first, then the name.
fn link_text(mention: &NewMention) -> String {
    [mention.author_email.as_deref(), mention.author.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The mentions and customers whose priorities a change may have moved.
#[derive(Debug, Default)]
pub struct Touched {
    customers: BTreeSet<i64>,
    unlinked: BTreeSet<i64>,
}

impl Touched {
    /// Record a mention whose link went from `old` to `new` (both None: unlinked).
    fn add(&mut self, mention_id: i64, (old, new): (Option<i64>, Option<i64>)) {
        self.customers.extend(old);
        match new {
            Some(customer) => self.customers.insert(customer),
            None => self.unlinked.insert(mention_id),
        };
    }
}

/// Link one mention automatically (unless staff fixed its link by hand); returns the
/// customer before and after.
fn link(
    tx: &Tx<'_>,
    customers: &CustomerIndex,
    mention_id: i64,
    author: &str,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let (old, locked) = Store::mention_link(tx, mention_id)?;
    if locked {
        return Ok((old, old));
    }
    let result = customers.match_author(author);
    Store::save_link(tx, mention_id, &result)?;
    Ok((old, result.link.map(|c| c.customer_id)))
}

/// Re-triage everything `touched` and persist the decisions with their emails. `why_now`
/// is what the "became urgent" email gives as the cause. Returns the emails queued.
pub fn redecide(
    tx: &Tx<'_>,
    touched: &Touched,
    rules: &TriageSettings,
    why_now: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    redecide_with(tx, touched, rules, why_now, now, Emails::Queue)
}

/// Whether a re-decision may queue emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emails {
    Queue,
    /// Priorities and open cases change, but nobody is emailed (re-scoring old posts).
    None,
}

fn redecide_with(
    tx: &Tx<'_>,
    touched: &Touched,
    rules: &TriageSettings,
    why_now: &str,
    now: DateTime<Utc>,
    emails: Emails,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for &customer in &touched.customers {
        let profile = Store::customer_profile(tx, customer)?;
        let history = Store::customer_history(tx, customer)?;
        queued += save(tx, profile.as_ref(), &history, rules, why_now, now, emails)?;
    }
    for &mention in &touched.unlinked {
        if Store::mention_link(tx, mention)?.0.is_none() {
            let one = Store::mention_facts(tx, mention)?;
            queued += save(tx, None, &[one], rules, why_now, now, emails)?;
        }
    }
    Ok(queued)
}

fn save(
    tx: &Tx<'_>,
    profile: Option<&decide::Profile>,
    history: &[MentionFacts],
    rules: &TriageSettings,
    why_now: &str,
    now: DateTime<Utc>,
    emails: Emails,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for mut decision in decide_history(profile, history, rules) {
        if emails == Emails::None {
            decision.alert = None;
        }
        let why = because(why_now, &decision.verdict.reasons);
        queued += usize::from(Store::save_decision(tx, &decision, &why, now)?);
    }
    Ok(queued)
}

/// "the customer list was imported: A-list (tier A), lifetime value 3,200".
fn because(why_now: &str, reasons: &[String]) -> String {
    if reasons.is_empty() {
        why_now.to_owned()
    } else {
        format!("{why_now}: {}", reasons.join("; "))
    }
}

/// Import customers, re-link every mention staff have not linked by hand, and re-decide
/// everything: a complaint that the list reveals as urgent gets its `[URGENT]` email.
pub fn import_customers(
    store: &mut Store,
    records: &[CustomerRecord],
    rules: &TriageSettings,
    now: DateTime<Utc>,
) -> Result<ImportSummary, StoreError> {
    import_customers_observed(store, records, rules, now, &mut |_| {})
}

/// How far an import is (for the terminal's progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// `done` of `total` mentions' authors matched against the new list.
    Linking {
        /// Matched so far.
        done: usize,
        /// All to match.
        total: usize,
    },
    /// Re-deciding the priority of the mentions whose link or customer changed.
    Redeciding,
}

/// [`import_customers`], telling `observe` how far it is.
pub fn import_customers_observed(
    store: &mut Store,
    records: &[CustomerRecord],
    rules: &TriageSettings,
    now: DateTime<Utc>,
    observe: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary, StoreError> {
    let mut summary = store.save_customers(records, now)?;
    let index = store.customer_index()?;
    summary.mentions_linked = store.transaction(|tx| {
        let mut linked = 0;
        let mut touched = Touched::default();
        let authors = Store::unlocked_authors(tx)?;
        let total = authors.len();
        for (done, (id, author)) in authors.into_iter().enumerate() {
            observe(ImportProgress::Linking { done, total });
            let (old, new) = link(tx, &index, id, &author)?;
            linked += usize::from(new.is_some());
            // A mention that stays unlinked keeps the priority its label gives it.
            if old != new {
                touched.add(id, (old, new));
            }
        }
        // Every customer's tier or value may have changed: their histories are re-decided.
        observe(ImportProgress::Linking { done: total, total });
        observe(ImportProgress::Redeciding);
        touched
            .customers
            .extend(Store::customers_with_mentions(tx)?);
        let why = "the customer list was imported";
        redecide(tx, &touched, rules, why, now)?;
        Ok(linked)
    })?;
    Ok(summary)
}

/// Staff override: link a mention to a customer (or unlink with None), remembered across
/// polls and imports, then re-decide both customers' mentions.
pub fn set_link(
    store: &mut Store,
    mention_id: i64,
    customer_id: Option<i64>,
    by: &str,
    rules: &TriageSettings,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.transaction(|tx| {
        let (old, _) = Store::mention_link(tx, mention_id)?;
        let name = Store::set_manual_link(tx, mention_id, customer_id, by, now)?;
        let mut touched = Touched::default();
        touched.add(mention_id, (old, customer_id));
        let why = match name {
            Some(name) => format!("staff linked it to {name}"),
            None => "staff unlinked it".to_owned(),
        };
        redecide(tx, &touched, rules, &why, now)?;
        Ok(())
    })
}

/// Give a case to someone on the team (or to nobody), recorded under `by`; the new
/// assignee is told by email when the case is open and they did not take it themselves.
/// Returns whether that email was queued.
pub fn assign(
    store: &mut Store,
    mention_id: i64,
    assignee: Option<&crate::store::StaffMember>,
    by: &crate::staff::Actor,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    store.transaction(|tx| {
        Store::assign_case(tx, mention_id, assignee.map(|a| a.id), &by.name, now)?;
        let Some(assignee) = assignee else {
            return Ok(false);
        };
        let facts = Store::mention_facts(tx, mention_id)?;
        let open = decide::is_open_case(&facts, facts.status);
        let actor = by.member.as_ref().map(|m| m.id);
        if !decide::tells_assignee(open, assignee.id, actor) {
            return Ok(false);
        }
        let priority = facts.priority.unwrap_or(Priority::Normal);
        Store::queue_assigned(tx, mention_id, assignee.id, priority, now)
    })
}

/// Erase customers on request (`customers forget`), all or nothing: the store's data
/// change, then their former mentions re-decided as posts by nobody known (their tier and
/// history no longer raise them). No email is queued by it.
pub fn forget_customers(
    store: &mut Store,
    ids: &[i64],
    by: &str,
    rules: &TriageSettings,
    now: DateTime<Utc>,
) -> Result<crate::store::Erasure, StoreError> {
    store.erase_customers(ids, by, now, |tx, mentions| {
        let touched = Touched {
            unlinked: mentions.iter().copied().collect(),
            ..Touched::default()
        };
        redecide_with(
            tx,
            &touched,
            rules,
            "the customer was erased",
            now,
            Emails::None,
        )?;
        Ok(())
    })
}

/// Move a case along (acknowledge, promise, resolve) and keep its open flag true.
pub fn update_case(
    store: &mut Store,
    mention_id: i64,
    action: CaseAction,
    note: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<CaseStatus, StoreError> {
    store.transaction(|tx| {
        let status = Store::case_step(tx, mention_id, action, note, by, now)?;
        let facts = Store::mention_facts(tx, mention_id)?;
        Store::set_open(tx, mention_id, decide::is_open_case(&facts, status))?;
        Ok(status)
    })
}
