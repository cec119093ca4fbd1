//! Unpredictable numbers from the operating system, for names another
//! local user must not guess.

/// 128 random bits. Should the operating system's source fail (it does
/// not on any supported system), the standard library's per-process
/// random hash keys stand in.
pub(crate) fn u128() -> u128 {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_ok() {
        return u128::from_ne_bytes(bytes);
    }
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    (u128::from(word()) << 64) | u128::from(word())
}
