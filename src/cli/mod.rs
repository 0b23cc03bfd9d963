//! The `earshot` command line: argument definitions and dispatch. Output formats live in
//! [`output`]; `show` in [`show`].

mod alerts;
mod backup;
mod cases;
mod corrections;
mod customers;
mod migrate;
mod output;
pub use output::ScoreFormat;
mod show;
mod sources;
pub use sources::SourcesAction;
mod staff;
pub use staff::StaffAction;

pub use cases::parse_due;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::localtime::{Typed, Zone};
use crate::model::{DismissReason, Label, Priority};
use crate::poller::{poll_cycle_observed, CycleProgress, Pipeline};
use crate::progress::Progress;
use crate::sentiment::{Analyzer, Options};
use crate::store::{
    AssignedFilter, CaseAction, DismissedFilter, MentionFilter, StatusFilter, Store, StoreHandle,
};

/// Earshot: hear every public mention of your business in time.
#[derive(Debug, Parser)]
#[command(name = "earshot", version, about, long_about = None)]
pub struct Cli {
    /// Config file.
    #[arg(long, global = true, env = "EARSHOT_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
    /// Database file (overrides [storage] database).
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    /// Who is acting, for the case history: a name from `earshot staff list` (default:
    /// the owner). Before anyone is added to the team, any name (default: your user name).
    #[arg(long = "as", global = true, value_name = "NAME", alias = "by")]
    pub as_name: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The service: poll every source on its schedule and serve the web log, until Ctrl-C or SIGTERM.
    Run,
    /// The web log alone ([web] listen; off loopback needs a team or $EARSHOT_WEB_TOKEN).
    Serve,
    /// One polling cycle now, then exit.
    Poll {
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        /// Ignore the schedule and backoff.
        #[arg(long)]
        force: bool,
        /// Only queue alerts; leave sending them to `earshot run` or a later `poll`.
        #[arg(long)]
        no_send: bool,
    },
    /// The mention log, newest first.
    Mentions(MentionArgs),
    /// One mention in full.
    Show {
        /// Mention id.
        id: i64,
    },
    /// Health of each source; `sources add URL` and `sources test NAME`.
    Sources {
        /// Add a source by URL, or try one.
        #[command(subcommand)]
        action: Option<SourcesAction>,
        /// Show the last fetches (and their errors) of this source instead.
        #[arg(long, value_name = "NAME")]
        history: Option<String>,
        /// How many fetches `--history` shows.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Mark a case as seen.
    Ack {
        /// Mention id.
        id: i64,
        /// What was done or said.
        #[arg(long)]
        note: Option<String>,
    },
    /// Record what was promised to the customer and by when.
    Promise {
        /// Mention id.
        id: i64,
        /// 2d, 36h, a date (2026-11-30: the end of that day) or a local time ("2026-11-30 17:00"),
        /// in `[business] timezone`.
        #[arg(long)]
        due: String,
        /// What was promised.
        #[arg(long)]
        note: String,
    },
    /// Close a case.
    Resolve {
        /// Mention id.
        id: i64,
        /// How it was resolved.
        #[arg(long)]
        note: Option<String>,
    },
    /// Give a case to someone on the team (they get its emails and reminders), or to
    /// `nobody`.
    Assign {
        /// Mention id.
        id: i64,
        /// A name from `earshot staff list`, their email, `me`, or `nobody`.
        name: String,
    },
    /// Link a mention to a customer by hand (remembered across polls and imports).
    Link {
        /// Mention id.
        mention: i64,
        /// Customer id.
        customer: i64,
    },
    /// Remove a mention's customer link by hand (remembered).
    Unlink {
        /// Mention id.
        mention: i64,
    },
    /// Correct a mention's sentiment (kept until the author edits the post).
    Relabel {
        /// Mention id.
        id: i64,
        /// negative, neutral or positive.
        label: Label,
    },
    /// Set a mention's priority by hand, or `auto` to let the rules decide again.
    Priority {
        /// Mention id.
        id: i64,
        /// urgent, high, normal, low, or auto.
        priority: corrections::PriorityChoice,
    },
    /// Set a mention aside: not about us, spam or a duplicate (kept, but out of the log,
    /// the counts and the digest).
    Dismiss {
        /// Mention id.
        id: i64,
        /// not-about-us, spam or duplicate.
        #[arg(long)]
        reason: Option<DismissReason>,
        /// A note for the history.
        #[arg(long)]
        note: Option<String>,
        /// Bring a dismissed mention back instead.
        #[arg(long, conflicts_with = "reason")]
        undo: bool,
    },
    /// The known customers.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// The team: who signs in to the web log and works cases (`staff add|list|remove|password`).
    Staff {
        /// What to do.
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Score labelled files (`label<TAB>text`, label -1, 0 or 1) and print accuracy and
    /// negative-class precision/recall/F1, beside the plain-lexicon baseline.
    Eval {
        /// Labelled files.
        #[arg(required_unless_present = "corrections")]
        files: Vec<PathBuf>,
        /// Score this business's own mentions whose label staff corrected instead.
        #[arg(long)]
        corrections: bool,
    },
    /// Train the base keyword model on labelled files (`label<TAB>text`) and write its
    /// weights file (the one shipped is src/sentiment/data/learned_base.tsv).
    Train {
        /// Where to write the weights file.
        #[arg(long)]
        out: PathBuf,
        /// Labelled files to learn from.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Learn this business's own keyword weights from its rated reviews (1-2 stars:
    /// complaint, 4-5: praise) and staff corrections, keep them if they help, and score
    /// every stored mention again (no emails about old posts).
    Learn {
        /// List what was learned (strongest terms and how many mentions support each) and
        /// change nothing.
        #[arg(long)]
        show: bool,
        /// Labelled review sets (`label<TAB>text`) on which complaint precision must stay
        /// at 0.85 or more for the fit to be kept.
        #[arg(long, value_name = "FILE")]
        check: Vec<PathBuf>,
    },
    /// Score TEXT, or each line of stdin, and explain the score.
    Score {
        /// Text to score; omit to read lines from stdin.
        text: Vec<String>,
        /// json: one object per line, three decimals (for scripts); text: two decimals.
        #[arg(long, value_enum, default_value_t = ScoreFormat::Json)]
        format: ScoreFormat,
    },
    /// Alert emails: pending, sent and failed, with the last error.
    Outbox {
        /// Send pending and failed messages now, ignoring the retry schedule.
        #[arg(long)]
        retry: bool,
    },
    /// The digest of the last 24 hours: printed, or sent with --send.
    Digest {
        /// Send it instead of printing it.
        #[arg(long)]
        send: bool,
    },
    /// Write a consistent copy of the database to FILE, also while `earshot run` runs.
    Backup {
        /// The copy to write (a new file, in a folder that exists).
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Put a backup back as the database, after checking it (stop `earshot run` first).
    Restore {
        /// The backup to restore.
        file: PathBuf,
        /// Replace a database that is newer than the backup, or that cannot be read.
        #[arg(long)]
        force: bool,
    },
    /// Copy the whole SQLite database into an empty PostgreSQL one (all or nothing,
    /// counts checked), to move to `[storage] url`. Stop `earshot run` first.
    Migrate {
        /// The PostgreSQL database to fill, e.g. postgres://earshot@db.example:5432/earshot
        /// (the password comes from $EARSHOT_DATABASE_PASSWORD, $PGPASSWORD or ~/.pgpass).
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Check the email setup.
    Alerts {
        /// What to do.
        #[command(subcommand)]
        action: AlertsAction,
    },
}

/// `earshot alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// Send one test message; says exactly what is wrong when it cannot.
    Test,
}

/// `earshot customers …`.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Import a customer CSV (header required; all rows or none).
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// List customers.
    List {
        /// Only names, emails or handles containing this.
        #[arg(long)]
        search: Option<String>,
    },
    /// One customer with their mentions.
    Show {
        /// Customer id.
        id: i64,
    },
    /// Measure linking on a labelled file (`author<TAB>expected email`, empty for a
    /// stranger) against the customers in the database: precision and recall of
    /// automatic links, and how often the right customer is at least suggested.
    EvalLinks {
        /// The labelled file.
        file: PathBuf,
    },
    /// Everything held about a customer (their record, mentions, case history, emails about
    /// them) as JSON, for a customer who asks.
    Export {
        /// Their email (any case).
        email: String,
        /// Write to this file instead of the screen.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase a customer on request: their record, and their name, email and case notes on
    /// their mentions; lists the emails about them that already left.
    Forget {
        /// Their email (any case).
        email: String,
        /// Do not ask (needed when not run on a terminal).
        #[arg(long)]
        yes: bool,
    },
}

/// Filters and format of `earshot mentions`.
#[derive(Debug, clap::Args)]
pub struct MentionArgs {
    /// negative, neutral, positive, or unscored (not in English: nobody scored it yet).
    #[arg(long)]
    sentiment: Option<Label>,
    /// new, acknowledged, promised, resolved, recovered, or open (not resolved).
    #[arg(long)]
    status: Option<StatusFilter>,
    /// urgent, high, normal or low.
    #[arg(long)]
    priority: Option<Priority>,
    /// Part of the customer's or author's name.
    #[arg(long)]
    customer: Option<String>,
    /// Source name.
    #[arg(long)]
    source: Option<String>,
    /// 7d, 24h, a date (2026-11-01: its midnight) or a local time ("2026-11-01 09:00"), in
    /// `[business] timezone`.
    #[arg(long)]
    since: Option<String>,
    /// Full-text search.
    #[arg(long)]
    search: Option<String>,
    /// At most N mentions.
    #[arg(long)]
    limit: Option<usize>,
    /// Only the mentions staff dismissed (not about us, spam, duplicates).
    #[arg(long)]
    dismissed: bool,
    /// Only the cases of this person (a name from `earshot staff list`), `me` (who
    /// `--as` names, default the owner) or `nobody`.
    #[arg(long, value_name = "NAME")]
    assigned: Option<String>,
    /// Only the mentions heard at this location (a `[[location]]` name).
    #[arg(long, value_name = "NAME")]
    location: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Output formats of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON array.
    Json,
    /// CSV with a header row.
    Csv,
}

/// How a command that ran ended, as its exit status: 0 done; 3 some due sources failed;
/// 4 every due source failed. (Earshot's own errors exit 1, usage errors 2.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Everything worked.
    Ok,
    /// `poll`: some due sources failed (the others were read).
    SomeSourcesFailed,
    /// `poll`: every due source failed.
    AllSourcesFailed,
}

impl Done {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Done::Ok => 0,
            Done::SomeSourcesFailed => 3,
            Done::AllSourcesFailed => 4,
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<Done> {
    if let Command::Poll {
        ref source,
        force,
        no_send,
    } = cli.command
    {
        let (config, store) = open(&cli)?;
        return poll(
            config,
            StoreHandle::new(store)?,
            source.as_deref(),
            force,
            !no_send,
        );
    }
    run_command(cli).map(|()| Done::Ok)
}

fn run_command(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Score { ref text, format } => score(&cli, text, format),
        Command::Train { ref out, ref files } => train(&cli.config, out, files),
        Command::Learn { show, ref check } => learn(&cli, show, check),
        Command::Eval {
            ref files,
            corrections: false,
        } => eval(&cli.config, files),
        Command::Eval {
            corrections: true, ..
        } => {
            let (config, store) = open(&cli)?;
            let options = crate::pipeline::learning::options_with_business(
                &config.sentiment_options(),
                &store,
            )?;
            print!("{}", corrections::eval(&store, options)?);
            Ok(())
        }
        Command::Relabel { id, label } => correction(&cli, id, corrections::relabel(label)?, None),
        Command::Priority { id, priority } => {
            correction(&cli, id, corrections::priority(priority), None)
        }
        Command::Dismiss {
            id,
            reason,
            ref note,
            undo,
        } => correction(
            &cli,
            id,
            corrections::dismissal(reason, undo)?,
            note.as_deref(),
        ),
        Command::Run => {
            let (config, store) = open(&cli)?;
            crate::service::run(config, &cli.config, StoreHandle::new(store)?)
        }
        Command::Serve => {
            let (config, store) = open(&cli)?;
            crate::web::run(config, StoreHandle::new(store)?)
        }
        Command::Poll { .. } => unreachable!("poll is run by `run`"),
        Command::Mentions(ref args) => {
            let (config, store) = open(&cli)?;
            let mut filter = args.filter(crate::clock::now(), &config.business.timezone)?;
            if let Some(name) = &args.assigned {
                filter.assigned = Some(assigned_filter(&cli, &store, name)?);
            }
            filter.location = location_filter(&cli, &config, &store, args.location.as_deref())?;
            let mentions = store.mentions(&filter)?;
            output::print_mentions(&mentions, args.format)
        }
        Command::Show { id } => {
            let (config, store) = open(&cli)?;
            print!("{}", show::render(&store, &config, id)?);
            Ok(())
        }
        Command::Ack { id, ref note } => {
            case_step(&cli, id, CaseAction::Acknowledge, note.as_deref())
        }
        Command::Promise {
            id,
            ref due,
            ref note,
        } => {
            let zone = Config::load(&cli.config)?.business.timezone;
            let due = cases::parse_due(due, crate::clock::now(), &zone)?;
            case_step(&cli, id, CaseAction::Promise { due }, Some(note))
        }
        Command::Resolve { id, ref note } => {
            case_step(&cli, id, CaseAction::Resolve, note.as_deref())
        }
        Command::Assign { id, ref name } => {
            let (_, mut store) = open(&cli)?;
            let actor = acting(&cli, &store)?;
            print!("{}", cases::assign(&mut store, &actor, id, name)?);
            Ok(())
        }
        Command::Link { mention, customer } => {
            let (config, mut store) = open(&cli)?;
            let actor = acting(&cli, &store)?;
            print!(
                "{}",
                cases::link(&mut store, &config, mention, Some(customer), &actor.name)?
            );
            Ok(())
        }
        Command::Unlink { mention } => {
            let (config, mut store) = open(&cli)?;
            let actor = acting(&cli, &store)?;
            print!(
                "{}",
                cases::link(&mut store, &config, mention, None, &actor.name)?
            );
            Ok(())
        }
        Command::Staff { ref action } => {
            let (config, mut store) = open(&cli)?;
            let actor = acting(&cli, &store)?;
            print!("{}", staff::run(&mut store, &config, &actor, action)?);
            Ok(())
        }
        Command::Customers(ref sub) => {
            let (config, mut store) = open(&cli)?;
            let text = match sub {
                CustomersCommand::Import { file } => customers::import(&mut store, &config, file)?,
                CustomersCommand::List { search } => {
                    customers::list(&store.customers(search.as_deref())?)
                }
                CustomersCommand::Show { id } => customers::show(&store, *id)?,
                CustomersCommand::EvalLinks { file } => customers::eval_links(&mut store, file)?,
                CustomersCommand::Export { email, out } => {
                    let actor = acting(&cli, &store)?;
                    actor.require_owner("export a customer's data")?;
                    customers::export(&store, email, out.as_deref())?
                }
                CustomersCommand::Forget { email, yes } => {
                    let actor = acting(&cli, &store)?;
                    actor.require_owner("erase a customer")?;
                    customers::forget(&mut store, &config, email, *yes, &actor.name)?
                }
            };
            print!("{text}");
            Ok(())
        }
        Command::Sources {
            action: Some(ref action),
            ..
        } => sources::run(&cli, action),
        Command::Sources {
            action: None,
            ref history,
            limit,
        } => {
            let (config, store) = open(&cli)?;
            if let Some(name) = history {
                known_source(&config, name)?;
                let entries = store.source_history(name, limit)?;
                print!("{}", output::history_table(name, &entries));
                return Ok(());
            }
            let health = store.source_health()?;
            print!("{}", output::sources_table(&config, &health));
            Ok(())
        }
        Command::Outbox { retry } => {
            let (config, store) = open(&cli)?;
            alerts::outbox(config, StoreHandle::new(store)?, retry)
        }
        Command::Digest { send } => {
            let (config, store) = open(&cli)?;
            alerts::digest(config, StoreHandle::new(store)?, send)
        }
        Command::Migrate { ref to } => {
            owner_if_named(&cli, "move the database")?;
            migrate::migrate(&cli, to)
        }
        Command::Alerts {
            action: AlertsAction::Test,
        } => alerts::test(&Config::load(&cli.config)?),
        Command::Backup { ref file, force } => {
            owner_if_named(&cli, "back up the database")?;
            backup::backup(&cli, file, force)
        }
        Command::Restore { ref file, force } => {
            owner_if_named(&cli, "restore the database")?;
            backup::restore(&cli, file, force)
        }
    }
}

/// The config, and the database it names (or `--db`), opened and migrated.
fn open(cli: &Cli) -> Result<(Arc<Config>, Store)> {
    let mut config = Config::load(&cli.config)?;
    if let Some(db) = &cli.db {
        config.database = db.clone();
    }
    let store = open_database(cli, &config)?;
    Ok((Arc::new(config), store))
}

/// `--db FILE` (always a SQLite file), else `[storage] url` (PostgreSQL), else
/// `[storage] database`.
fn open_database(cli: &Cli, config: &Config) -> Result<Store> {
    Ok(match (&cli.db, &config.database_url) {
        (Some(file), _) => Store::open(file)?,
        (None, Some(url)) => Store::open_url(url)?,
        (None, None) => Store::open(&config.database)?,
    })
}

/// `--assigned NAME|me|nobody` as a filter on the log.
fn assigned_filter(cli: &Cli, store: &Store, name: &str) -> Result<AssignedFilter> {
    let actor = acting(cli, store)?;
    Ok(match cases::named_person(store, &actor, name)? {
        Some(member) => AssignedFilter::To(member.id),
        None => AssignedFilter::Nobody,
    })
}

/// `--location NAME` as a filter on the log; a location manager acting (`--as`) sees only
/// their location, and asking for another is refused.
fn location_filter(
    cli: &Cli,
    config: &Config,
    store: &Store,
    asked: Option<&str>,
) -> Result<Option<String>> {
    let asked = asked
        .map(|name| config.find_location(name).map(|l| l.name.clone()))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if cli.as_name.is_none() {
        return Ok(asked);
    }
    let actor = acting(cli, store)?;
    let Some(mine) = actor.member.and_then(|m| m.location) else {
        return Ok(asked);
    };
    match asked {
        Some(other) if other != mine => anyhow::bail!(
            "{} manages {mine} and sees only its mentions, not {other}'s; leave out --location or ask an owner",
            actor.name
        ),
        _ => Ok(Some(mine)),
    }
}

/// Refuse an owner's job (sources, backups) to someone `--as` names who is not an owner.
/// Without `--as` the command acts as the owner, as whoever can run it on this machine is.
fn owner_if_named(cli: &Cli, what: &'static str) -> Result<()> {
    if cli.as_name.is_none() {
        return Ok(());
    }
    let (_, store) = open(cli)?;
    acting(cli, &store)?.require_owner(what)?;
    Ok(())
}

/// Who this command acts as (`--as`, else the owner).
fn acting(cli: &Cli, store: &Store) -> Result<crate::staff::Actor> {
    Ok(crate::staff::resolve_actor(store, cli.as_name.as_deref())?)
}

/// `ack`, `promise`, `resolve`: one step of a case, and say what it did.
fn case_step(cli: &Cli, id: i64, action: CaseAction, note: Option<&str>) -> Result<()> {
    let (_, mut store) = open(cli)?;
    let actor = acting(cli, &store)?;
    print!(
        "{}",
        cases::apply(&mut store, id, action, note, &actor.name)?
    );
    Ok(())
}

/// `relabel`, `priority`, `dismiss`: one correction, and say what it did.
fn correction(
    cli: &Cli,
    id: i64,
    correction: crate::pipeline::Correction,
    note: Option<&str>,
) -> Result<()> {
    let (config, mut store) = open(cli)?;
    let actor = acting(cli, &store)?;
    print!(
        "{}",
        corrections::apply(&mut store, &config, id, correction, note, &actor.name)?
    );
    Ok(())
}

/// One cycle now, then (unless `send` is false) deliver what is due: its alerts, source
/// down/up alerts, reminders and escalations, so `poll` from cron emails like `run` does.
fn poll(
    config: Arc<Config>,
    store: StoreHandle,
    only: Option<&str>,
    force: bool,
    send: bool,
) -> Result<Done> {
    if let Some(name) = only {
        known_source(&config, name)?;
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let pipeline = Arc::new(Pipeline::new(config.clone())?);
    pipeline.load_business_terms(&store.lock())?;
    let progress = Progress::bar(0, "polling");
    let mut reading: Vec<String> = Vec::new();
    let mut observe = |event: CycleProgress<'_>| {
        match event {
            CycleProgress::Polling(names) => {
                progress.set_total(names.len() as u64);
                reading = names.to_vec();
            }
            CycleProgress::Done(report) => {
                reading.retain(|name| *name != report.name);
                progress.advance(1);
            }
        }
        progress.say(format!("reading {}", reading.join(", ")));
    };
    let report = runtime.block_on(poll_cycle_observed(
        pipeline,
        store.clone(),
        only,
        force,
        crate::clock::now(),
        &mut observe,
    ))?;
    progress.finish();
    print!("{}", output::cycle_report(&report));
    if send {
        let transport = crate::alert::Transport::from_config(&config.alerts)?;
        let dispatcher = crate::alert::Dispatcher::new(config, store, transport);
        let pass = runtime.block_on(dispatcher.tick(crate::clock::now()))?;
        print!("{}", output::delivery(&pass));
    }
    Ok(match (report.attempted(), report.failed()) {
        (_, 0) => Done::Ok,
        (attempted, failed) if failed == attempted => Done::AllSourcesFailed,
        _ => Done::SomeSourcesFailed,
    })
}

fn known_source(config: &Config, name: &str) -> Result<()> {
    if !config.sources.iter().any(|s| s.name == name) {
        let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        bail!(
            "no source named '{name}' in the config; the sources are: {}",
            names.join(", ")
        );
    }
    Ok(())
}

fn score(cli: &Cli, words: &[String], format: ScoreFormat) -> Result<()> {
    let analyzer = business_analyzer(cli)?;
    // One buffer for the whole run: a line of output is not a write of its own (stdout
    // alone flushes at every newline, which cost more than the scoring).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if !words.is_empty() {
        output::print_score(&mut out, &words.join(" "), &analyzer, format)?;
    } else {
        let mut stdin = std::io::stdin().lock();
        let mut line = String::new();
        // One line buffer for the whole run, read as `lines()` would (no "\n" or "\r\n").
        while stdin.read_line(&mut line).context("cannot read stdin")? > 0 {
            let text = match line.strip_suffix('\n') {
                Some(text) => text.strip_suffix('\r').unwrap_or(text),
                None => &line,
            };
            if !text.trim().is_empty() {
                output::print_score(&mut out, text, &analyzer, format)?;
            }
            line.clear();
        }
    }
    out.flush()?;
    Ok(())
}

fn eval(config_path: &Path, files: &[PathBuf]) -> Result<()> {
    let options = analyzer_for(config_path)?.options().clone();
    // Each text is scored three times: model, rules alone, baseline.
    let progress = Progress::bar(0, "scoring");
    if !progress.is_hidden() {
        progress.set_total(files.iter().map(|path| count_lines(path) * 3).sum());
    }
    let reports =
        crate::sentiment::eval::evaluate_files(files, &options, &|n| progress.advance(n))?;
    progress.finish();
    print!("{}", crate::sentiment::eval::format_table(&reports));
    Ok(())
}

fn learn(cli: &Cli, show: bool, check: &[PathBuf]) -> Result<()> {
    use crate::pipeline::learning::{self, Verdict};
    let (config, mut store) = open(cli)?;
    if show {
        print!("{}", learning::show(&store, 40)?);
        return Ok(());
    }
    let base = config.sentiment_options();
    let outcome = learning::learn(
        &mut store,
        &base,
        &config.triage,
        check,
        crate::clock::now(),
    )?;
    println!(
        "Labelled mentions: {} ({} by their stars, {} corrected by staff).",
        outcome.labels,
        outcome.labels - outcome.from_staff,
        outcome.from_staff
    );
    if let (Some(before), Some(after)) = (&outcome.before, &outcome.after) {
        println!(
            "Cross-validated on them: complaints found F1 {:.2} -> {:.2}, precision {:.2} -> {:.2}.",
            before.neg_f1, after.neg_f1, before.neg_precision, after.neg_precision
        );
    }
    match outcome.verdict {
        Verdict::Kept { terms, relabelled } => println!(
            "Kept {terms} learned terms; {relabelled} stored mentions changed label (no emails \
             about old posts; the next digest says so). `earshot learn --show` lists them."
        ),
        Verdict::Rejected(why) => println!("Not kept: {why}. The model stays as it was."),
    }
    Ok(())
}

fn train(config_path: &Path, out: &Path, files: &[PathBuf]) -> Result<()> {
    let options = analyzer_for(config_path)?.options().clone();
    let (text, terms) = crate::sentiment::train::train_base(files, &options)?;
    std::fs::write(out, text).with_context(|| {
        format!(
            "cannot write the model to {}; check that its folder exists and is writable",
            out.display()
        )
    })?;
    println!("Wrote {terms} learned terms to {}.", out.display());
    Ok(())
}

/// Lines in a file, for a progress bar's length (0 when it cannot be read: the
/// evaluation itself says why).
fn count_lines(path: &Path) -> u64 {
    std::fs::read(path).map_or(0, |bytes| {
        bytes.iter().filter(|&&b| b == b'\n').count() as u64
    })
}

/// The configured analyzer with the business's learned terms when its database exists
/// (`earshot score` scores as the running service does); else as [`analyzer_for`].
fn business_analyzer(cli: &Cli) -> Result<Analyzer> {
    if !cli.config.exists() {
        return analyzer_for(&cli.config);
    }
    let config = Config::load(&cli.config)?;
    let db = cli.db.clone().unwrap_or_else(|| config.database.clone());
    let base = config.sentiment_options();
    let on_postgres = cli.db.is_none() && config.database_url.is_some();
    if !on_postgres && !db.exists() {
        return Ok(Analyzer::new(base));
    }
    let store = open_database(cli, &config)?;
    Ok(Analyzer::new(
        crate::pipeline::learning::options_with_business(&base, &store)?,
    ))
}

/// The configured analyzer; plain defaults when the default config file is absent.
fn analyzer_for(config_path: &Path) -> Result<Analyzer> {
    let options = if config_path.exists() {
        Config::load(config_path)?.sentiment_options()
    } else {
        Options::default()
    };
    Ok(Analyzer::new(options))
}

impl MentionArgs {
    fn filter(&self, now: DateTime<Utc>, zone: &Zone) -> Result<MentionFilter> {
        for (what, text) in [("--search", &self.search), ("--customer", &self.customer)] {
            if let Some(text) = text {
                crate::store::check_search(what, text).map_err(anyhow::Error::msg)?;
            }
        }
        Ok(MentionFilter {
            label: self.sentiment,
            status: self.status,
            priority: self.priority,
            customer: self.customer.clone(),
            source: self.source.clone(),
            since: self
                .since
                .as_deref()
                .map(|s| parse_since(s, now, zone))
                .transpose()?,
            search: self.search.clone(),
            limit: self.limit,
            now: Some(now),
            dismissed: if self.dismissed {
                DismissedFilter::Only
            } else {
                DismissedFilter::Hide
            },
            ..MentionFilter::default()
        })
    }
}

/// Longest span `--since` and `--due` take (humantime's `100y`): further than any
/// mention or promise, and well inside the dates chrono can hold.
pub const MAX_TIME_SPAN: std::time::Duration = std::time::Duration::from_secs(100 * 31_557_600);
/// [`MAX_TIME_SPAN`] as a person writes it.
pub const MAX_TIME_SPAN_TEXT: &str = "100y";

/// `span` as a signed delta, when it is at most [`MAX_TIME_SPAN`].
fn bounded_span(span: std::time::Duration) -> Option<chrono::TimeDelta> {
    (span <= MAX_TIME_SPAN)
        .then(|| chrono::TimeDelta::from_std(span).ok())
        .flatten()
}

/// `--since`: a duration back from now (`7d`), or a date (`2026-11-01`: local midnight in
/// `zone`) or a local date and time (`2026-11-01 09:00`). A duration longer than
/// [`MAX_TIME_SPAN`] is an error, not a panic.
pub fn parse_since(text: &str, now: DateTime<Utc>, zone: &Zone) -> Result<DateTime<Utc>> {
    match zone.parse_local(text) {
        Some(Typed::Date(date)) => {
            return zone.start_of_day(date).with_context(|| {
                format!("--since {} is outside the dates Earshot knows", text.trim())
            });
        }
        Some(Typed::Instant(time)) => return Ok(time),
        None => {}
    }
    let Ok(back) = crate::config::parse_duration(text) else {
        bail!("--since '{text}' is neither a duration (7d, 24h) nor a date (2026-11-01 or \"2026-11-01 09:00\")");
    };
    match bounded_span(back).and_then(|back| now.checked_sub_signed(back)) {
        Some(since) => Ok(since),
        None => bail!(
            "--since {} is too far back; use at most {MAX_TIME_SPAN_TEXT}, or a date (2026-11-01)",
            text.trim()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_durations_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let utc = &Zone::utc();
        assert_eq!(
            parse_since("7d", now, utc).unwrap().to_rfc3339(),
            "2026-11-16T12:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-01", now, utc).unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert!(parse_since("last tuesday", now, utc)
            .unwrap_err()
            .to_string()
            .contains("7d"));
    }

    /// Issue 13 #8: `mentions --since 300000y` panicked ("DateTime - TimeDelta overflowed").
    #[test]
    fn arithmetic_that_panics_on_input_since() {
        let now = Utc::now();
        for text in ["300000y", "10000000000y", "101y"] {
            let err = parse_since(text, now, &Zone::utc())
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!("--since {text} is too far back; use at most 100y, or a date (2026-11-01)")
            );
        }
        assert!(parse_since("100y", now, &Zone::utc()).is_ok());
    }

    #[test]
    fn a_typed_date_is_local_midnight_and_a_typed_time_local_time() {
        let now = Utc::now();
        let zone = Zone::named("Europe/London").unwrap();
        // Summer time: local midnight is 23:00 UTC the day before.
        assert_eq!(
            parse_since("2026-07-01", now, &zone).unwrap().to_rfc3339(),
            "2026-06-30T23:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-01", now, &zone).unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        let tokyo = Zone::named("Asia/Tokyo").unwrap();
        assert_eq!(
            parse_since("2026-11-01 09:00", now, &tokyo)
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
    }
}
