//! argon2id hashing off the async threads, on a small fixed pool behind a
//! semaphore, so that a burst of logins cannot stall pages, the API or live
//! updates.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::Arc;
use tokio::sync::Semaphore;

use super::error::{AppError, AppResult};

/// OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

thread_local! {
    /// Each hashing thread keeps its 19 MiB of argon2 memory for its whole
    /// life instead of allocating it per hash: the allocator would otherwise
    /// keep a freed copy per thread, and the process would grow.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2id with `params` into `out`, on this thread's reusable memory.
fn argon2_raw(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < params.block_count() {
            memory.resize(params.block_count(), Block::default());
        }
        argon.hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut memory[..params.block_count()],
        )
    })
}

/// A new salted argon2id hash in PHC string form (`$argon2id$v=19$...`).
fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let mut out = [0u8; 32];
    argon2_raw(&params, password.as_bytes(), salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a stored PHC argon2id hash (any parameters).
fn verify_now(password: &str, stored: &str) -> bool {
    let check = || -> Result<bool, argon2::password_hash::Error> {
        let phc = PasswordHash::new(stored)?;
        if phc.algorithm != Algorithm::Argon2id.ident() {
            return Ok(false);
        }
        let params = Params::try_from(&phc)?;
        let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
            return Ok(false);
        };
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf)?;
        let mut out = vec![0u8; expected.len()];
        argon2_raw(&params, password.as_bytes(), salt_bytes, &mut out)?;
        // `Output` compares in constant time.
        Ok(Output::new(&out)? == expected)
    };
    check().unwrap_or(false)
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashing runs on a few dedicated threads, not on tokio's blocking pool, so
/// that the 19 MiB each one keeps (see `MEMORY`) exists only a few times.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
}

/// Verified when the email is unknown, so that the answer takes as long as
/// for a wrong password and does not reveal which emails exist. It has the
/// parameters of real hashes (a test checks); no password matches it that
/// anyone knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$btB5qKR4BOaZaGjuDtziUw$BriK0MBZOd/a2LLmt+0ULxcbJWTH0i4d5GGHlahiWYI";

impl Passwords {
    pub fn new(threads: usize) -> AppResult<Self> {
        let threads = threads.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job.
                        let job = match queue.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| AppError::internal(format!("password threads: {e}")))?;
        }
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
        })
    }

    /// Runs `work` on a hashing thread; at most one job per thread at a time,
    /// the others wait here, off the async threads.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = done.send(work());
            }))
            .map_err(|_| AppError::internal("password threads stopped"))?;
        result
            .await
            .map_err(|_| AppError::internal("password job dropped"))
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move || hash_now(&password))
            .await?
            .map_err(|e| AppError::internal(format!("argon2: {e}")))
    }

    /// Checks `password` against `hash`, or against the dummy hash when there
    /// is no such user (then it always answers false).
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let real = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let ok = self.run(move || verify_now(&password, &hash)).await?;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let (got, want) = (Params::try_from(&dummy).unwrap(), params());
        assert_eq!(
            (got.m_cost(), got.t_cost(), got.p_cost()),
            (want.m_cost(), want.t_cost(), want.p_cost())
        );
        assert_eq!(dummy.algorithm, Algorithm::Argon2id.ident());
    }

    #[test]
    fn interoperates_with_the_standard_argon2_api() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash_now("correct horse").unwrap();
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(standard.verify_password(b"correct horse", &parsed).is_ok());
        assert!(standard.verify_password(b"wrong horse", &parsed).is_err());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = standard
            .hash_password(b"battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify_now("battery staple", &theirs));
        assert!(!verify_now("battery stapler", &theirs));
        assert!(!verify_now("anything", "not a hash"));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let p = Passwords::new(1).unwrap();
        let a = p.hash("password123".into()).await.unwrap();
        let b = p.hash("password123".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(
            p.verify("password123".into(), Some(a.clone()))
                .await
                .unwrap()
        );
        assert!(!p.verify("password124".into(), Some(a)).await.unwrap());
        assert!(!p.verify("anything".into(), None).await.unwrap());
    }
}
