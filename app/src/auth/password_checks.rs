//! Password checks, bounded on purpose. One check needs argon2's working memory (19 MiB at the
//! OWASP minimum). Run on whichever blocking thread was free, each check allocated its own, the
//! allocator kept it per thread, and a burst of sign-ins left the server hundreds of MiB
//! bigger for good. Here a fixed number of threads of our own check passwords: checks cost at
//! most `threads` times that memory however many people sign in at once. The others wait their
//! turn, up to `wait`, and are then asked to try again.
//!
//! The working memory is mapped from the operating system, reused while checks are waiting,
//! and unmapped as soon as none is: an idle server holds none of it (the allocator, asked for
//! the same memory, kept it after the first free). A check that arrives just as a checker
//! releases costs one fresh mapping, nothing more.

use argon2::{
    password_hash::{Output, PasswordHash},
    Algorithm, Argon2, Block, Params, Version,
};
use memmap2::MmapMut;
use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        mpsc, Arc, Mutex,
    },
    time::Duration,
};
use tokio::sync::{oneshot, Semaphore};

/// A stored hash asking for more working memory than this is refused (256 MiB).
pub const MAX_MEMORY_KIB: usize = 256 * 1024;

/// What a new password hash costs (argon2id). Existing hashes keep the cost they were made
/// with: a check reads it from the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl PasswordCost {
    /// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// At least OWASP's minimum, and within what a check here accepts.
    pub fn is_acceptable(&self) -> bool {
        self.memory_kib >= Self::OWASP_MINIMUM.memory_kib
            && self.memory_kib as usize <= MAX_MEMORY_KIB
            && self.iterations >= Self::OWASP_MINIMUM.iterations
            && self.iterations <= 100
            && (1..=16).contains(&self.parallelism)
    }

    pub fn hash(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))?
            .to_string())
    }
}

/// Every checker is busy and stayed busy for the whole wait.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

struct Job {
    password: String,
    hash: String,
    answer: oneshot::Sender<bool>,
}

pub struct PasswordChecks {
    jobs: mpsc::Sender<Job>,
    turns: Arc<Semaphore>,
    wait: Duration,
    /// Checks sent and not yet taken by a checker.
    waiting: Arc<AtomicUsize>,
    mapped: Arc<AtomicUsize>,
}

impl std::fmt::Debug for PasswordChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChecks")
            .field("free", &self.turns.available_permits())
            .field("wait", &self.wait)
            .field("mapped_bytes", &self.mapped_bytes())
            .finish()
    }
}

impl PasswordChecks {
    /// Starts `threads` checkers (at least one).
    pub fn start(threads: usize, wait: Duration) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mapped = Arc::new(AtomicUsize::new(0));
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..threads {
            let (queue, waiting, mapped) = (queue.clone(), waiting.clone(), mapped.clone());
            std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || checker(&queue, &waiting, &mapped))
                .expect("a password checker thread starts");
        }
        Self {
            jobs,
            turns: Arc::new(Semaphore::new(threads)),
            wait,
            waiting,
            mapped,
        }
    }

    /// Working memory the checkers hold right now, in bytes (none while no check runs).
    pub fn mapped_bytes(&self) -> usize {
        self.mapped.load(Ordering::Relaxed)
    }

    /// Whether `password` matches the stored `hash`; `Err(Busy)` when no checker was free
    /// within the wait.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, Busy> {
        let turn = tokio::time::timeout(self.wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (answer, answered) = oneshot::channel();
        let job = Job {
            password: password.to_string(),
            hash: hash.to_string(),
            answer,
        };
        self.waiting.fetch_add(1, Ordering::AcqRel);
        if self.jobs.send(job).is_err() {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let matched = answered.await.unwrap_or(false);
        drop(turn);
        Ok(matched)
    }
}

fn checker(queue: &Mutex<mpsc::Receiver<Job>>, waiting: &AtomicUsize, mapped: &Arc<AtomicUsize>) {
    let mut memory = WorkingMemory::counted_in(mapped);
    loop {
        if waiting.load(Ordering::Acquire) == 0 {
            // No check is waiting: give the memory back before sleeping.
            memory.release();
        }
        let job = match queue.lock().map(|queue| queue.recv()) {
            Ok(Ok(job)) => job,
            _ => return,
        };
        waiting.fetch_sub(1, Ordering::AcqRel);
        let matched = matches(&mut memory, &job.password, &job.hash);
        let _ = job.answer.send(matched);
    }
}

/// Argon2's working memory: an anonymous mapping, so that releasing it returns it to the
/// operating system at once. What is mapped is counted in a gauge shared by the checkers.
#[derive(Default)]
pub struct WorkingMemory {
    map: Option<MmapMut>,
    mapped: Arc<AtomicUsize>,
}

impl WorkingMemory {
    fn counted_in(mapped: &Arc<AtomicUsize>) -> Self {
        Self {
            map: None,
            mapped: mapped.clone(),
        }
    }

    /// The first `blocks` blocks, mapped anew when the current mapping is smaller.
    fn blocks(&mut self, blocks: usize) -> Option<&mut [Block]> {
        let bytes = blocks.checked_mul(std::mem::size_of::<Block>())?;
        if self.map.as_ref().is_none_or(|map| map.len() < bytes) {
            self.release();
            self.map = Some(MmapMut::map_anon(bytes).ok()?);
            self.mapped.fetch_add(bytes, Ordering::Relaxed);
        }
        let map = self.map.as_mut()?;
        // SAFETY: the mapping is at least `bytes` long, page-aligned (a Block needs 64) and
        // zero-filled; a Block is plain u64s, valid for any bits; the slice borrows `self`.
        Some(unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<Block>(), blocks) })
    }

    /// How many blocks are mapped now.
    pub fn mapped_blocks(&self) -> usize {
        self.map
            .as_ref()
            .map_or(0, |map| map.len() / std::mem::size_of::<Block>())
    }

    pub fn release(&mut self) {
        if let Some(map) = self.map.take() {
            self.mapped.fetch_sub(map.len(), Ordering::Relaxed);
        }
    }
}

impl Drop for WorkingMemory {
    fn drop(&mut self) {
        self.release();
    }
}

/// Checks a password against a PHC string (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`),
/// with the parameters the hash was made with, in `memory` (mapped larger when a hash needs
/// more).
pub fn matches(memory: &mut WorkingMemory, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_MEMORY_KIB {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let Some(memory) = memory.blocks(blocks) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, memory)
        .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(password: &str) -> String {
        PasswordCost::OWASP_MINIMUM.hash(password).unwrap()
    }

    #[test]
    fn a_hash_keeps_its_cost_and_is_checked_with_it() {
        let dearer = PasswordCost {
            memory_kib: 24 * 1024,
            iterations: 3,
            parallelism: 1,
        };
        let stored = dearer.hash("123456").unwrap();
        assert!(stored.contains("m=24576,t=3,p=1"), "{stored}");
        let mut memory = WorkingMemory::default();
        assert!(matches(&mut memory, "123456", &stored));
        assert_eq!(memory.mapped_blocks(), 24 * 1024);
        assert!(!PasswordCost {
            memory_kib: 8 * 1024,
            ..dearer
        }
        .is_acceptable());
        assert!(!PasswordCost {
            iterations: 1,
            ..dearer
        }
        .is_acceptable());
        assert!(dearer.is_acceptable() && PasswordCost::OWASP_MINIMUM.is_acceptable());
    }

    #[test]
    fn the_right_password_matches_and_others_do_not_with_one_memory_reused() {
        let stored = hash("123456");
        let mut memory = WorkingMemory::default();
        assert!(matches(&mut memory, "123456", &stored));
        let size = memory.mapped_blocks();
        assert!(!matches(&mut memory, "1234567", &stored));
        assert!(!matches(&mut memory, "", &stored));
        assert!(!matches(&mut memory, "123456", "not a hash"));
        assert_eq!(
            memory.mapped_blocks(),
            size,
            "the working memory is reused, not grown"
        );
        memory.release();
        assert_eq!(memory.mapped_blocks(), 0);
        assert!(
            matches(&mut memory, "123456", &stored),
            "mapped again after a release"
        );
    }

    #[test]
    fn a_hash_asking_for_absurd_memory_is_refused_without_allocating() {
        let absurd = "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        let mut memory = WorkingMemory::default();
        assert!(!matches(&mut memory, "x", absurd));
        assert_eq!(memory.mapped_blocks(), 0);
    }

    #[tokio::test]
    async fn checks_beyond_the_checkers_wait_and_then_are_told_to_try_again() {
        let stored = hash("123456");
        let checks = PasswordChecks::start(1, Duration::from_millis(1));
        // Hold the only turn, as a long check would.
        let held = checks.turns.clone().acquire_owned().await.unwrap();
        assert_eq!(checks.verify("123456", &stored).await, Err(Busy));
        drop(held);
        assert_eq!(checks.verify("123456", &stored).await, Ok(true));
        assert_eq!(checks.verify("654321", &stored).await, Ok(false));
    }

    #[tokio::test]
    async fn checkers_reuse_their_memory_in_a_burst_and_hold_none_once_idle() {
        let stored = hash("123456");
        let checks = Arc::new(PasswordChecks::start(2, Duration::from_secs(30)));
        assert_eq!(
            checks.mapped_bytes(),
            0,
            "nothing is mapped before the first check"
        );
        let burst: Vec<_> = (0..6)
            .map(|n| {
                let (checks, stored) = (checks.clone(), stored.clone());
                tokio::spawn(async move {
                    let password = if n % 2 == 0 { "123456" } else { "wrong" };
                    checks.verify(password, &stored).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for check in burst {
            answers.push(check.await.unwrap());
        }
        assert_eq!(
            answers,
            [
                Ok(true),
                Ok(false),
                Ok(true),
                Ok(false),
                Ok(true),
                Ok(false)
            ]
        );
        // A checker gives its memory back right after answering the last waiting check.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while checks.mapped_bytes() != 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            checks.mapped_bytes(),
            0,
            "idle checkers hold no working memory"
        );
    }
}
