//! Skipping one JSON value of any shape, checked but not decoded: how the
//! reader passes over the user's data and finds its span.

use super::json::{Reader, Result};

impl<'a> Reader<'a> {
    /// Skips one value, checking it is JSON, and returns its text.
    pub fn value(&mut self) -> Result<&'a str> {
        self.peek();
        let start = self.at;
        // The brackets still open: a stack, not recursion, so depth is free.
        let mut open: Vec<u8> = Vec::new();
        loop {
            // A value.
            match self.peek() {
                Some(b'{') => {
                    self.at += 1;
                    if self.peek() == Some(b'}') {
                        self.at += 1;
                    } else {
                        open.push(b'}');
                        self.key()?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    if self.peek() == Some(b']') {
                        self.at += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'"') => {
                    self.skip_string()?;
                }
                Some(b't') => self.word(b"true")?,
                Some(b'f') => self.word(b"false")?,
                Some(b'n') => self.word(b"null")?,
                _ => {
                    self.number()?;
                }
            }
            // After a value: close what ends here, or go on to the next item.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(&self.text[start..self.at]);
                };
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if close == b'}' {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.at += 1;
                        open.pop();
                    }
                    _ => return self.fail(&format!("expected ',' or '{}'", close as char)),
                }
            }
        }
    }

    /// An object key and its colon, inside `value`.
    fn key(&mut self) -> Result<()> {
        if self.peek() != Some(b'"') {
            return self.fail("expected a string key");
        }
        self.skip_string()?;
        self.eat(b':')
    }

    /// A string, checked but not unescaped. Unlike [`Reader::string`] a lone
    /// surrogate escape passes: the data is the host's to decode, and
    /// JavaScript's JSON.parse accepts it.
    fn skip_string(&mut self) -> Result<()> {
        self.at += 1;
        let bytes = self.bytes();
        loop {
            let Some(&b) = bytes.get(self.at) else {
                return self.fail("unterminated string");
            };
            match b {
                b'"' => {
                    self.at += 1;
                    return Ok(());
                }
                b'\\' => {
                    self.at += 1;
                    match bytes.get(self.at) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 1
                        }
                        Some(b'u') => {
                            self.at += 1;
                            self.hex4()?;
                        }
                        _ => return self.fail("invalid escape"),
                    }
                }
                0..=0x1f => return self.fail("control character in a string"),
                _ => self.at += 1,
            }
        }
    }

    fn word(&mut self, word: &[u8]) -> Result<()> {
        if self.bytes()[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            self.fail("expected a value")
        }
    }
}
