//! The store as async code holds it: one writer connection on a thread of its own and a
//! few read connections on threads of their own, all on one SQLite file in WAL mode.
//!
//! rusqlite is synchronous and a connection does one thing at a time, so no connection
//! is ever used on a tokio worker: async code hands a closure to a connection's thread and
//! awaits the answer. Writes queue, in order, for the one writer (SQLite allows one writer
//! at a time anyway, and one connection keeps the customer cache right). Reads go to
//! whichever reader is free: under WAL a reader sees the last committed state and never
//! waits for the writer, so the web log does not wait behind a poll's write transaction.
//! A write that finished before a read was sent is visible to that read.
//!
//! Sync code (the CLI, tests) may take the writer directly with [`StoreHandle::lock`].

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::{Store, StoreError};

/// Read connections beside the writer: the web log's requests, the scheduler and the
/// dispatcher read at once without queueing behind each other.
pub const READERS: usize = 3;

/// A closure sent to a connection's thread.
type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// The result of a job, or the panic it raised (raised again in the caller).
type Outcome<T> = Result<T, Box<dyn Any + Send>>;

/// A cheap-to-clone handle on the database: the writer thread and the read pool.
#[derive(Clone)]
pub struct StoreHandle {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Arc<Mutex<Store>>,
    writes: Workers<Store>,
    /// None for an in-memory database, which a second connection cannot see: reads then
    /// queue for the writer.
    reads: Option<Workers<Store>>,
    /// The web log's signing secret, read (or made and kept) when the handle was made,
    /// before anything else could be writing; None when the database cannot keep it.
    web_secret: Option<String>,
    /// The database file (None in memory).
    path: Option<std::path::PathBuf>,
    /// Other workers may write to the database too (PostgreSQL).
    shared: bool,
    /// The database for people: the file, or PostgreSQL's `user@host:port/db`.
    described: String,
}

/// Threads taking jobs from one queue; joined when the last handle goes.
struct Workers<S> {
    jobs: Option<mpsc::Sender<Job<S>>>,
    threads: Vec<JoinHandle<()>>,
}

impl StoreHandle {
    /// Open (creating and migrating if needed) the database at `path` and its readers.
    pub fn open(path: &std::path::Path) -> Result<StoreHandle, StoreError> {
        StoreHandle::new(Store::open(path)?)
    }

    /// Take over an open (so migrated) store as the writer, and open [`READERS`] read
    /// connections on the same file.
    pub fn new(store: Store) -> Result<StoreHandle, StoreError> {
        let reads = match store.open_another_reader() {
            Some(first) => {
                let mut readers = vec![first?];
                for _ in 1..READERS {
                    readers.push(store.open_another_reader().expect("as the first")?);
                }
                Some(Workers::readers(readers))
            }
            None => None,
        };
        let web_secret = match store.web_secret() {
            Ok(secret) => Some(secret),
            Err(err) => {
                tracing::warn!(error = %err, "cannot keep the web log's secret; logins last until restart");
                None
            }
        };
        let path = store.path.clone();
        let shared = store.conn().dialect() == super::sql::Dialect::Postgres;
        let described = store.describe();
        let writer = Arc::new(Mutex::new(store));
        let writes = Workers::writer(writer.clone());
        Ok(StoreHandle {
            inner: Arc::new(Inner {
                writer,
                writes,
                reads,
                web_secret,
                path,
                shared,
                described,
            }),
        })
    }

    /// The database for people: the file, or PostgreSQL's `user@host:port/db`.
    pub fn describe(&self) -> &str {
        &self.inner.described
    }

    /// True when other workers may write to the database too (PostgreSQL): what they
    /// queue wakes nothing here, so look more often.
    pub fn is_shared(&self) -> bool {
        self.inner.shared
    }

    /// The database file (None for an in-memory database).
    pub fn path(&self) -> Option<&std::path::Path> {
        self.inner.path.as_deref()
    }

    /// The web log's signing secret kept in the database (see [`Store::web_secret`]).
    pub fn web_secret(&self) -> Option<&str> {
        self.inner.web_secret.as_deref()
    }

    /// Run `f` on a read connection (`query_only`): it sees every write that finished
    /// before it was sent, and never waits for the writer. A panic in `f` is raised here.
    pub async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> T + Send + 'static) -> T {
        unwind(self.try_read(f).await)
    }

    /// Run `f` on the writer, after the writes sent before it. A panic in `f` is raised
    /// here (its transaction, if any, rolled back); the writer goes on with the next job.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> T {
        unwind(self.try_write(f).await)
    }

    /// [`read`](Self::read), with a panic in `f` returned as an error.
    pub async fn try_read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> Outcome<T> {
        match &self.inner.reads {
            Some(readers) => readers.run(move |store: &mut Store| f(store)).await,
            None => self.try_write(move |store: &mut Store| f(store)).await,
        }
    }

    /// [`write`](Self::write), with a panic in `f` returned as an error.
    pub async fn try_write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> Outcome<T> {
        self.inner.writes.run(f).await
    }

    /// The writer, for sync code (the CLI, tests); never call it from async code. Writes
    /// sent by async code wait while the guard is held. A panic while it was held left
    /// SQLite consistent (its transaction rolled back), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.writer)
    }
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn unwind<T>(outcome: Outcome<T>) -> T {
    outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

impl Workers<Store> {
    /// One thread for the writer, taking the lock per job (sync code may hold it between).
    fn writer(store: Arc<Mutex<Store>>) -> Workers<Store> {
        let (jobs, queue) = mpsc::channel::<Job<Store>>();
        let thread = std::thread::Builder::new()
            .name("earshot-store-writer".into())
            .spawn(move || {
                for job in queue {
                    job(&mut lock(&store));
                }
            })
            .expect("the OS can start the store's writer thread");
        Workers {
            jobs: Some(jobs),
            threads: vec![thread],
        }
    }

    /// One thread per read connection, all taking jobs from one queue.
    fn readers(readers: Vec<Store>) -> Workers<Store> {
        let (jobs, queue) = mpsc::channel::<Job<Store>>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = readers
            .into_iter()
            .enumerate()
            .map(|(n, mut store)| {
                let queue = queue.clone();
                std::thread::Builder::new()
                    .name(format!("earshot-store-reader-{n}"))
                    .spawn(move || loop {
                        // Only one idle reader waits on the queue; the others on its lock.
                        let job = queue
                            .lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .recv();
                        match job {
                            Ok(job) => job(&mut store),
                            Err(mpsc::RecvError) => return,
                        }
                    })
                    .expect("the OS can start the store's reader threads")
            })
            .collect();
        Workers {
            jobs: Some(jobs),
            threads,
        }
    }
}

impl<S> Workers<S> {
    /// Send `f` to a thread and await its outcome without blocking the caller's thread.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> T + Send + 'static,
    ) -> Outcome<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job<S> = Box::new(move |store| {
            // The caller may have gone (a closed web request): the job still ran whole.
            let _ = reply.send(catch_unwind(AssertUnwindSafe(|| f(store))));
        });
        self.jobs
            .as_ref()
            .expect("the queue stays open while a handle exists")
            .send(job)
            .expect("store threads run while a handle exists");
        answer
            .await
            .expect("a store thread answers every job it takes")
    }
}

impl<S> Drop for Workers<S> {
    /// Close the queue, let the threads finish what was sent and close their connections.
    fn drop(&mut self) {
        drop(self.jobs.take());
        let me = std::thread::current().id();
        for thread in self.threads.drain(..) {
            // The last handle may go inside a job: a thread cannot wait for itself.
            if thread.thread().id() != me {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_sees_the_writes_that_finished_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let handle = StoreHandle::open(&dir.path().join("e.db")).unwrap();
        handle
            .write(|s| s.claim_source("forum", "https://forum.test/"))
            .await
            .unwrap();
        let health = handle.read(|s| s.source_health()).await.unwrap();
        assert_eq!(health.len(), 1);
        assert_eq!(health[0].name, "forum");
        // Readers do not write.
        let refused = handle
            .read(|s| s.claim_source("other", "https://other.test/"))
            .await;
        assert!(refused.is_err());
    }

    #[tokio::test]
    async fn a_panicking_job_panics_its_caller_and_the_writer_goes_on() {
        let handle = StoreHandle::new(crate::test_support::test_store()).unwrap();
        let caught = handle
            .try_write(|_| -> i64 { panic!("bug in a store job") })
            .await;
        let panic = caught.err().unwrap();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"bug in a store job"));
        // In memory, reads queue for the writer, which still answers.
        assert_eq!(handle.read(|s| s.mention_count().unwrap()).await, 0);
        assert_eq!(handle.lock().mention_count().unwrap(), 0);
    }
}
