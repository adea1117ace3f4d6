//! The little JSON the record envelope needs, read by hand (skipping a
//! value of any shape is `skip.rs`; writing is `write.rs`).
//!
//! Why not serde_json: the envelope is a handful of fixed fields around the
//! user's data, which the engine never looks into (it stays raw text for the
//! host to decode). A general JSON library is most of the engine's wasm by
//! size (serde_json with serde's derives and float formatting was over a
//! third of it), and it validated the data twice per read (once to find the
//! format, once for the envelope). This reader makes one pass: it validates
//! every byte, unescapes only the envelope's own strings, and hands the
//! data back as a span of the input.
//!
//! It follows RFC 8259 as serde_json does: no comments, no trailing commas,
//! no control characters in strings, no leading zeros. Unlike serde_json it
//! has no nesting limit (a value is skipped with a stack of open brackets,
//! not by recursion), so any data JSON.stringify can write can be stored.

use std::borrow::Cow;

/// A cursor over JSON text. Errors are short English reasons with the byte
/// offset, for `DecodeError::Undecodable`.
pub struct Reader<'a> {
    pub(super) text: &'a str,
    pub(super) at: usize,
}

pub type Result<T> = std::result::Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader { text, at: 0 }
    }

    pub(super) fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    pub(super) fn fail<T>(&self, what: &str) -> Result<T> {
        Err(format!("{what} at byte {}", self.at))
    }

    /// Skips JSON whitespace and returns the next byte, if any.
    pub fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `b` (after whitespace) or fails.
    pub fn eat(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.at += 1;
            Ok(())
        } else {
            self.fail(&format!("expected '{}'", b as char))
        }
    }

    /// Only whitespace may follow.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.fail("trailing characters"),
        }
    }

    /// Reads `{ "key": value, ... }`, calling `field` with each key (the
    /// reader positioned at its value, which `field` must consume).
    pub fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        self.object_dyn(&mut field)
    }

    // One copy of the loop for every caller (a generic one was several
    // kilobytes of wasm per call site).
    fn object_dyn(
        &mut self,
        field: &mut dyn FnMut(&mut Self, Cow<'a, str>) -> Result<()>,
    ) -> Result<()> {
        self.eat(b'{')?;
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return self.fail("expected a string key");
            }
            let key = self.string()?;
            self.eat(b':')?;
            field(self, key)?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return self.fail("expected ',' or '}'"),
            }
        }
    }

    /// Reads `[ value, ... ]`, calling `item` for each (it must consume it).
    pub fn array(&mut self, mut item: impl FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.array_dyn(&mut item)
    }

    fn array_dyn(&mut self, item: &mut dyn FnMut(&mut Self) -> Result<()>) -> Result<()> {
        self.eat(b'[')?;
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(());
                }
                _ => return self.fail("expected ',' or ']'"),
            }
        }
    }

    /// Whether the next value is `null` (consumed if so).
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.bytes()[self.at..].starts_with(b"null") {
            self.at += 4;
            true
        } else {
            false
        }
    }

    /// A non-negative integer that fits in 64 bits, written without a
    /// fraction or exponent (what serde_json reads into a `u64`).
    pub fn u64(&mut self) -> Result<u64> {
        let start = self.at;
        let raw = self.number()?;
        // `parse` refuses a sign, a fraction, an exponent and overflow.
        match raw.parse::<u64>() {
            Ok(n) => Ok(n),
            Err(_) => {
                self.at = start;
                self.fail(&format!("expected a whole number, got {raw}"))
            }
        }
    }

    /// A string, unescaped (borrowed when it has no escapes).
    pub fn string(&mut self) -> Result<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string");
        }
        self.at += 1;
        let bytes = self.bytes();
        let start = self.at;
        let mut owned: Option<String> = None;
        let mut run = start;
        loop {
            let Some(&b) = bytes.get(self.at) else {
                return self.fail("unterminated string");
            };
            match b {
                b'"' => {
                    let tail = &self.text[run..self.at];
                    self.at += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    let c = self.escape()?;
                    s.push(c);
                    run = self.at;
                }
                0..=0x1f => return self.fail("control character in a string"),
                _ => self.at += 1,
            }
        }
    }

    /// The character of the escape after a backslash. A lone surrogate is
    /// refused, as serde_json refuses it in a `String`.
    fn escape(&mut self) -> Result<char> {
        let Some(&b) = self.bytes().get(self.at) else {
            return self.fail("unterminated string");
        };
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = match high {
                    0xD800..=0xDBFF => {
                        if !self.bytes()[self.at..].starts_with(b"\\u") {
                            return self.fail("lone surrogate in a \\u escape");
                        }
                        self.at += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return self.fail("lone surrogate in a \\u escape");
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return self.fail("lone surrogate in a \\u escape"),
                    c => c,
                };
                // Every value left is a scalar value.
                char::from_u32(code).unwrap_or('\u{FFFD}')
            }
            _ => {
                self.at -= 1;
                return self.fail("invalid escape");
            }
        })
    }

    pub(super) fn hex4(&mut self) -> Result<u32> {
        let Some(hex) = self.text.get(self.at..self.at + 4) else {
            return self.fail("truncated \\u escape");
        };
        match u32::from_str_radix(hex, 16) {
            Ok(n) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.at += 4;
                Ok(n)
            }
            _ => self.fail("invalid \\u escape"),
        }
    }

    /// A number's text, checked against the JSON grammar.
    pub(super) fn number(&mut self) -> Result<&'a str> {
        self.peek();
        let bytes = self.bytes();
        let start = self.at;
        let digits = |at: &mut usize| {
            let from = *at;
            while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
                *at += 1;
            }
            *at > from
        };
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        match bytes.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => {
                digits(&mut at);
            }
            _ => return self.fail("expected a value"),
        }
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            if !digits(&mut at) {
                self.at = at;
                return self.fail("expected a digit after '.'");
            }
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            if !digits(&mut at) {
                self.at = at;
                return self.fail("expected a digit in the exponent");
            }
        }
        self.at = at;
        Ok(&self.text[start..at])
    }
}
