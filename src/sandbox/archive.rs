//! The bytes an archive's link serves: a real `.tar.gz` (ustar inside
//! gzip, its deflate blocks stored uncompressed), made up from the site,
//! the restore point and the parts asked for. The same archive is the same
//! bytes on every fetch, so a client can resume it with `Range` and check
//! it against the `ETag`.

/// An archive, ready to serve.
pub(crate) struct Archive {
    pub bytes: Vec<u8>,
    /// A strong validator of exactly these bytes.
    pub etag: String,
    /// Its file name.
    pub name: String,
}

/// The files each part holds: (path, bytes of made-up content).
const FILES: &[(&str, &str, usize)] = &[
    ("themes", "wp-content/themes/sandbox/style.css", 6 * 1024),
    (
        "themes",
        "wp-content/themes/sandbox/functions.php",
        3 * 1024,
    ),
    (
        "plugins",
        "wp-content/plugins/sandbox/sandbox.php",
        12 * 1024,
    ),
    ("uploads", "wp-content/uploads/2020/11/notes.txt", 96 * 1024),
    ("sqls", "sql/wp_options.sql", 24 * 1024),
    ("sqls", "sql/wp_posts.sql", 72 * 1024),
    ("roots", "wp-config-sample.php", 3 * 1024),
    ("roots", "index.php", 512),
    ("contents", "wp-content/index.php", 512),
];

/// The archive of `blog` at `rewind_id` (taken at `mtime`, Unix seconds),
/// holding `parts` (`all`, or part names).
pub(crate) fn build(blog: u64, rewind_id: &str, mtime: u64, parts: &[String]) -> Archive {
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == "all" || p == part);
    let mut tar = Vec::new();
    let listed: Vec<&str> = FILES
        .iter()
        .filter(|(part, _, _)| wanted(part))
        .map(|(_, path, _)| *path)
        .collect();
    let readme = format!(
        "Jetpack Backup of blog {blog} at restore point {rewind_id}\n\
         Parts: {}\n\
         Made up by the jetpack-partner sandbox: no real site's data.\n\
         Files:\n{}\n",
        if parts.is_empty() {
            "all".to_owned()
        } else {
            parts.join(", ")
        },
        listed.join("\n")
    );
    add_file(&mut tar, "jetpack-backup.txt", readme.as_bytes(), mtime);
    let mut seed = blog ^ rewind_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, fnv);
    for (part, path, size) in FILES {
        if wanted(part) {
            seed = path.bytes().fold(seed, fnv);
            add_file(&mut tar, path, &filler(path, *size, seed), mtime);
        }
    }
    // Two empty blocks end a tar file.
    tar.extend_from_slice(&[0; 1024]);
    let bytes = gzip(&tar, mtime);
    Archive {
        etag: format!("\"{:08x}-{:x}\"", crc32(&bytes), bytes.len()),
        name: format!("jetpack-backup-{blog}-{rewind_id}.tar.gz"),
        bytes,
    }
}

/// One FNV-1a step.
fn fnv(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// `size` bytes of made-up text lines.
fn filler(path: &str, size: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 80);
    let mut line = 0;
    while out.len() < size {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        line += 1;
        out.extend_from_slice(
            format!(
                "/* {path} {line:05} */ {seed:016x}{:016x}\n",
                seed.rotate_left(29)
            )
            .as_bytes(),
        );
    }
    out.truncate(size);
    out
}

/// A ustar header and the file's blocks.
fn add_file(tar: &mut Vec<u8>, path: &str, data: &[u8], mtime: u64) {
    let mut header = [0u8; 512];
    let mut put =
        |at: usize, text: &str| header[at..at + text.len()].copy_from_slice(text.as_bytes());
    put(0, path);
    put(100, "0000644\0");
    put(108, "0000000\0");
    put(116, "0000000\0");
    put(124, &format!("{:011o}\0", data.len()));
    put(136, &format!("{:011o}\0", mtime));
    put(148, "        ");
    put(156, "0");
    put(257, "ustar\0");
    put(263, "00");
    put(265, "www-data");
    put(297, "www-data");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    tar.extend_from_slice(&header);
    tar.extend_from_slice(data);
    let padding = (512 - data.len() % 512) % 512;
    tar.extend(std::iter::repeat_n(0, padding));
}

/// `data` in a gzip member of stored (uncompressed) deflate blocks.
fn gzip(data: &[u8], mtime: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0];
    out.extend_from_slice(&u32::try_from(mtime).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(&[0, 255]);
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32, by definition.
    out.extend_from_slice(&((data.len() & 0xffff_ffff) as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE), as gzip checks it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_archive_is_the_same_bytes_and_parts_change_it() {
        let all = build(1000, "1605878792.626", 1_605_878_792, &["all".into()]);
        let again = build(1000, "1605878792.626", 1_605_878_792, &["all".into()]);
        assert!(all.bytes == again.bytes && all.etag == again.etag);
        let themes = build(1000, "1605878792.626", 1_605_878_792, &["themes".into()]);
        assert!(themes.bytes.len() < all.bytes.len() / 10);
        assert_ne!(themes.etag, all.etag);
        assert_eq!(&all.bytes[..3], &[0x1f, 0x8b, 8]);
        assert!(all.bytes.len() > 200 * 1024);
        assert_eq!(all.name, "jetpack-backup-1000-1605878792.626.tar.gz");
    }

    #[test]
    fn crc32_is_the_standard_one() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }
}
