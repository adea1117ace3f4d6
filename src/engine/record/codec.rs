//! Reading the envelope (docs/record-format.md): a stored value to a
//! [`Record`]. One pass over the text validates all of it, including the
//! data, which is handed back as a span, never parsed. Writing it is
//! `encode.rs`.

use super::json::{Reader, Result};
use super::{Applied, DecodeError, Keyed, Pending, Record, StoredCall, Writer, FEATURES, FORMAT};

/// The envelope's fields as the text of their values, by name.
#[derive(Default)]
struct Spans<'a> {
    skilift: Option<&'a str>,
    requires: Option<&'a str>,
    migrations: Option<&'a str>,
    compatible: Option<&'a str>,
    pending: Option<&'a str>,
    writers: Option<&'a str>,
    once: Option<&'a str>,
    origin: Option<&'a str>,
    data: Option<&'a str>,
    /// Fields this engine does not know, in stored order: a newer engine
    /// wrote them, and every write carries them on unchanged.
    unknown: Vec<(String, &'a str)>,
    /// The first field seen twice.
    wrong: Option<String>,
}

pub(super) fn decode(text: &str) -> std::result::Result<Record, DecodeError> {
    let undecodable = DecodeError::Undecodable;
    let mut reader = Reader::new(text);
    if reader.peek() != Some(b'{') {
        return Err(undecodable("not a JSON object".into()));
    }
    let mut spans = Spans::default();
    let mut twice_skilift = false;
    reader
        .object(|r, key| {
            let value = r.value()?;
            let slot = match &*key {
                "skilift" => &mut spans.skilift,
                "requires" => &mut spans.requires,
                "migrations" => &mut spans.migrations,
                "compatible" => &mut spans.compatible,
                "pending" => &mut spans.pending,
                "writers" => &mut spans.writers,
                "once" => &mut spans.once,
                "origin" => &mut spans.origin,
                "data" => &mut spans.data,
                _ => {
                    if spans.unknown.iter().any(|(k, _)| *k == *key) {
                        spans
                            .wrong
                            .get_or_insert(format!("duplicate field `{key}`"));
                    } else {
                        spans.unknown.push((key.into_owned(), value));
                    }
                    return Ok(());
                }
            };
            if slot.replace(value).is_some() {
                twice_skilift |= key == "skilift";
                spans
                    .wrong
                    .get_or_insert(format!("duplicate field `{key}`"));
            }
            Ok(())
        })
        .and_then(|()| reader.end())
        .map_err(|e| undecodable(format!("not a JSON object ({e})")))?;
    // The format first, so that a newer record with fields this version does
    // not know is reported as newer, not as garbage.
    let format = spans.skilift.and_then(|s| Reader::new(s).u64().ok());
    match format {
        _ if twice_skilift => {
            return Err(undecodable(
                "not a JSON object (duplicate field `skilift`)".into(),
            ))
        }
        Some(v) if v > u64::from(FORMAT) => {
            return Err(DecodeError::NewerFormat(
                u32::try_from(v).unwrap_or(u32::MAX),
            ))
        }
        Some(v) if v == u64::from(FORMAT) => {}
        _ => {
            return Err(undecodable(
                "no skilift envelope (missing or unknown \"skilift\" format field)".into(),
            ))
        }
    }
    let malformed = |e: String| undecodable(format!("malformed envelope ({e})"));
    if let Some(wrong) = spans.wrong.take() {
        return Err(malformed(wrong));
    }
    // Then the features, before the rest: a feature may change what the
    // other fields mean, so a record needing one this engine lacks is not
    // judged by this engine's reading of them.
    let requires = match spans.requires {
        Some(span) => strings(span).map_err(malformed)?,
        None => Vec::new(),
    };
    let missing: Vec<String> = requires
        .iter()
        .filter(|f| !FEATURES.contains(&f.as_str()))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(DecodeError::NeedsFeatures(missing));
    }
    let mut record = envelope(&spans).map_err(malformed)?;
    record.requires = requires;
    Ok(record)
}

fn strings(span: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    Reader::new(span).array(|r| {
        out.push(r.string()?.into_owned());
        Ok(())
    })?;
    Ok(out)
}

fn envelope(spans: &Spans) -> Result<Record> {
    fn required<'a>(span: Option<&'a str>, name: &str) -> Result<&'a str> {
        span.ok_or_else(|| format!("missing field `{name}`"))
    }
    let migrations = strings(required(spans.migrations, "migrations")?)?;
    let compatible = match spans.compatible {
        Some(span) => strings(span)?,
        None => Vec::new(),
    };
    if let Some(stray) = compatible.iter().find(|c| !migrations.contains(c)) {
        return Err(format!(
            "`compatible` names step `{stray}`, which is not in `migrations`"
        ));
    }
    let mut pending = Vec::new();
    Reader::new(required(spans.pending, "pending")?).array(|r| {
        pending.push(read_pending(r)?);
        Ok(())
    })?;
    let mut writers = Keyed::new();
    Reader::new(required(spans.writers, "writers")?).object(|r, id| {
        writers.insert(id.into_owned(), read_writer(r)?);
        Ok(())
    })?;
    let mut once = Keyed::new();
    if let Some(span) = spans.once {
        Reader::new(span).object(|r, id| {
            once.insert(id.into_owned(), read_applied(r)?);
            Ok(())
        })?;
    }
    let origin = match spans.origin {
        None => None,
        Some(span) => {
            let mut r = Reader::new(span);
            if r.null() {
                None
            } else {
                Some(r.string()?.into_owned())
            }
        }
    };
    let data = required(spans.data, "data")?;
    Ok(Record {
        data: data.to_owned(),
        migrations,
        compatible,
        pending,
        writers,
        once,
        origin,
        requires: Vec::new(),
        unknown: spans
            .unknown
            .iter()
            .map(|(k, v)| (k.clone(), (*v).to_owned()))
            .collect(),
    })
}

/// Reads an object with exactly the fields `names` (at most four), each
/// once; `read` is
/// called with the reader at a field's value and the field's index.
fn fields<'a>(
    r: &mut Reader<'a>,
    names: &[&str],
    read: &mut dyn FnMut(&mut Reader<'a>, usize) -> Result<()>,
) -> Result<()> {
    let mut seen = [false; 4];
    r.object(|r, key| {
        let Some(i) = names.iter().position(|n| *n == key) else {
            return Err(format!("unknown field `{key}`"));
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("duplicate field `{key}`"));
        }
        read(r, i)
    })?;
    match seen[..names.len()].iter().position(|s| !s) {
        Some(i) => Err(format!("missing field `{}`", names[i])),
        None => Ok(()),
    }
}

fn read_pending(r: &mut Reader) -> Result<Pending> {
    let mut p = Pending {
        id: String::new(),
        success: Vec::new(),
        failure: Vec::new(),
        created: 0,
    };
    fields(r, &["id", "success", "failure", "created"], &mut |r, i| {
        match i {
            0 => p.id = r.string()?.into_owned(),
            1 => p.success = read_calls(r)?,
            2 => p.failure = read_calls(r)?,
            _ => p.created = r.u64()?,
        }
        Ok(())
    })?;
    Ok(p)
}

fn read_calls(r: &mut Reader) -> Result<Vec<StoredCall>> {
    let mut calls = Vec::new();
    r.array(|r| {
        calls.push(read_call(r)?);
        Ok(())
    })?;
    Ok(calls)
}

fn read_call(r: &mut Reader) -> Result<StoredCall> {
    let (mut action, mut args) = (String::new(), String::new());
    fields(r, &["action", "args"], &mut |r, i| {
        match i {
            0 => action = r.string()?.into_owned(),
            _ => args = r.value()?.to_owned(),
        }
        Ok(())
    })?;
    Ok(StoredCall { action, args })
}

fn read_writer(r: &mut Reader) -> Result<Writer> {
    let (mut batch, mut time) = (0, 0);
    fields(r, &["batch", "time"], &mut |r, i| {
        *(if i == 0 { &mut batch } else { &mut time }) = r.u64()?;
        Ok(())
    })?;
    Ok(Writer { batch, time })
}

fn read_applied(r: &mut Reader) -> Result<Applied> {
    let (mut time, mut by) = (0, String::new());
    fields(r, &["time", "by"], &mut |r, i| {
        match i {
            0 => time = r.u64()?,
            _ => by = r.string()?.into_owned(),
        }
        Ok(())
    })?;
    Ok(Applied { time, by })
}

/// The text of one JSON value with nothing around it but whitespace, or why not.
pub(super) fn json_value(text: &str) -> Result<&str> {
    let mut r = Reader::new(text);
    let value = r.value()?;
    r.end()?;
    Ok(value)
}
