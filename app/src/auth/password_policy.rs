//! What a new password must be: long enough, not too long for the hasher's taste, and not one
//! of the passwords guessers try first. The guessing check is zxcvbn's (its dictionaries hold
//! the most common passwords, names and words, and it sees through l33t and keyboard patterns).

use serde::{Deserialize, Serialize};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// A common password, or close enough to one (or to the user's own name or email).
    TooGuessable,
}

/// Checks a new password of the user with this name and email (a guesser tries those, and
/// their parts, first).
#[cfg(feature = "ssr")]
pub fn check(password: &str, name: &str, email: &str) -> Result<(), PasswordProblem> {
    let local = email.split('@').next().unwrap_or_default();
    let mut about_the_user: Vec<&str> = vec![name, email, local];
    about_the_user.extend(name.split_whitespace());
    about_the_user.extend(local.split(['.', '_', '-', '+']));
    about_the_user.retain(|w| w.chars().count() >= 3);
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    if zxcvbn::zxcvbn(password, &about_the_user).score() < zxcvbn::Score::Three {
        return Err(PasswordProblem::TooGuessable);
    }
    Ok(())
}

/// A password for an admin to hand over once (its owner must choose their own at sign-in):
/// 16 characters from an alphabet without look-alikes, about 90 bits.
#[cfg(feature = "ssr")]
pub fn one_time_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..16)
        .map(|_| ALPHABET[OsRng.next_u32() as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn common_short_and_personal_passwords_are_refused() {
        let (name, email) = ("Ada Lovelace", "ada.lovelace@example.com");
        let check = |password: &str| check(password, name, email);
        assert_eq!(check("123456"), Err(PasswordProblem::TooShort));
        assert_eq!(check("password123"), Err(PasswordProblem::TooGuessable));
        assert_eq!(check("qwertyuiop"), Err(PasswordProblem::TooGuessable));
        assert_eq!(check("iloveyou12"), Err(PasswordProblem::TooGuessable));
        assert_eq!(check("ada.lovelace1"), Err(PasswordProblem::TooGuessable));
        assert_eq!(check(&"x".repeat(200)), Err(PasswordProblem::TooLong));
        assert_eq!(check("granite-otter-Sail-47"), Ok(()));
        let otp = one_time_password();
        assert_eq!(otp.len(), 16);
        assert_eq!(check(&otp), Ok(()), "{otp}");
    }
}
