//! `gateward not --sighting ID --person NAME`: a guard's correction that a face seen is not
//! that person. The face's embedding is kept with the correction, and from then on the same
//! face (cosine ≥ 0.9 to it) is never named as that person; other photos of them still are.

use anyhow::bail;

use crate::config::Config;
use crate::store::{Store, StoreError, database_path};

/// Options of the command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sighting's number, as `analyze` or the screen shows it (识别记录编号)
    #[arg(long)]
    pub sighting: i64,
    /// The person the face is NOT: a name, or #ID when several share the name (不是此人)
    #[arg(long)]
    pub person: String,
    /// Who corrects, for the audit log (操作人)
    #[arg(long, default_value = "guard")]
    pub by: String,
}

/// Records the correction.
pub fn run(config: &Config, args: &Args) -> anyhow::Result<()> {
    let db = database_path(&config.paths.data);
    if !db.is_file() {
        bail!(
            "there are no gate records in {} yet; nothing to correct",
            config.paths.data.display()
        );
    }
    let store = Store::open(&db)?;
    let person = find_person(&store, &args.person)?;
    let Some(sighting) = store.sighting(args.sighting)? else {
        bail!(
            "no sighting {} in the records; it may have expired (kept {} days) — use the number \
             shown next to the face",
            args.sighting,
            config.retention.sightings_days
        );
    };
    match store.add_face_correction(&args.by, sighting.id, person.id) {
        Ok(_) => {}
        Err(StoreError::NotFound { what, key }) => bail!("no {what} {key} in the records"),
        Err(e) => return Err(e.into()),
    }
    let was = match sighting.person_id {
        Some(id) if id == person.id => format!(
            " (it had been taken for {} at {:.2})",
            person.name,
            sighting.similarity.unwrap_or(0.0)
        ),
        _ => String::new(),
    };
    println!(
        "已记录：识别记录 {} 不是 {}。Recorded: sighting {} is not {}{was}; this face will not be \
         named as {} again.",
        sighting.id, person.name, sighting.id, person.name, person.name
    );
    Ok(())
}

/// The person a guard names: `#12` by id, else by name, which must be unique.
fn find_person(store: &Store, given: &str) -> anyhow::Result<crate::store::PersonRecord> {
    let given = given.trim();
    if let Some(id) = given.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        return store
            .person(id)?
            .ok_or_else(|| anyhow::anyhow!("no person #{id} in the records"));
    }
    let mut found = store.people_named(given)?;
    match found.len() {
        0 => bail!("no one named {given} in the records; check the name as enrolled"),
        1 => Ok(found.remove(0)),
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|p| {
                    format!(
                        "#{} ({})",
                        p.id,
                        p.household.as_deref().unwrap_or(p.class.key())
                    )
                })
                .collect();
            bail!(
                "{} people are named {given}: {}; write --person #ID to say which",
                found.len(),
                list.join(", ")
            )
        }
    }
}
