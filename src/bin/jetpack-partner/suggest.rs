//! "Did you mean …?" for a mistyped command, subcommand, option or config
//! key: the nearest known word by edit distance, when one is near enough to
//! be a typo and not just another word.

/// The Damerau-Levenshtein distance (optimal string alignment: insertions,
/// deletions, substitutions and swaps of two neighbours) between `a` and
/// `b`, counted in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back (for swaps), one back, this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()]
}

/// The candidates nearest to `word`, when they are near enough to be what
/// was meant: at most 2 edits, and at most one edit per 3 characters of
/// `word` (so `-x` suggests nothing, and `a` is not "near" `man`). Ties
/// are all returned, in the candidates' order.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let limit = (word.chars().count() / 3).min(2);
    let mut best: Vec<&str> = Vec::new();
    let mut best_distance = limit + 1;
    for candidate in candidates {
        let d = distance(word, candidate);
        if d == 0 || d > limit || best.contains(&candidate) {
            continue;
        }
        if d < best_distance {
            best_distance = d;
            best.clear();
        }
        if d == best_distance {
            best.push(candidate);
        }
    }
    best
}

/// `"; did you mean X?"` (or `X or Y`) with each suggestion formatted by
/// `show`, or `""` when nothing is near.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    show: impl Fn(&str) -> String,
) -> String {
    let near = nearest(word, candidates);
    if near.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = near.iter().map(|c| show(c)).collect();
    format!("; did you mean {}?", shown.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("provision", "provision"), 0);
        assert_eq!(distance("provison", "provision"), 1);
        assert_eq!(distance("--parnter-id", "--partner-id"), 1, "a swap");
        assert_eq!(distance("stauts", "status"), 1, "a swap");
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("é-x", "e-x"), 1, "characters, not bytes");
    }

    #[test]
    fn only_near_words_are_suggested() {
        let commands = ["token", "provision", "cancel", "status", "man"];
        assert_eq!(nearest("provison", commands), ["provision"]);
        assert_eq!(nearest("cancle", commands), ["cancel"]);
        assert_eq!(nearest("tokens", commands), ["token"]);
        assert!(nearest("frobnicate", commands).is_empty());
        assert!(nearest("a", commands).is_empty(), "too short to be a typo");
        assert!(nearest("mn", commands).is_empty());
        assert!(nearest("provision", commands).is_empty(), "exact: no typo");
        let options = ["--partner-id", "--partner-secret", "-v", "--verbose"];
        assert_eq!(nearest("--parnter-id", options), ["--partner-id"]);
        assert!(nearest("-x", options).is_empty());
        assert_eq!(nearest("--verbos", options), ["--verbose"]);
    }

    #[test]
    fn ties_are_all_named() {
        let text = did_you_mean("--ssh-por", ["--ssh-port", "--ssh-pass"], |c| c.into());
        assert_eq!(text, "; did you mean --ssh-port?");
        let text = did_you_mean("batc", ["batch", "match"], |c| format!("'{c}'"));
        assert_eq!(text, "; did you mean 'batch'?");
        let text = did_you_mean("abcx", ["abcd", "abce"], |c| c.into());
        assert_eq!(text, "; did you mean abcd or abce?");
        assert_eq!(did_you_mean("zzzz", ["abcd"], |c| c.into()), "");
    }
}
