//! `facesort sort`: one folder per person.

use crate::{batch, people, PipelineOpts};
use facesort::people::cluster::PersonId;
use facesort::wire::export::UniqueNames;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub fn run(in_dir: &Path, out_dir: &Path, opts: &PipelineOpts) -> Result<(), String> {
    if out_dir.exists()
        && out_dir
            .read_dir()
            .map_err(|e| format!("cannot read {}: {e}", out_dir.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "{} is not empty; choose a new or empty folder",
            out_dir.display()
        ));
    }
    let pipeline = opts.pipeline()?;
    let batch = batch::run(in_dir, opts, &pipeline)?;
    let people = people::cluster_batch(&batch, &opts.cluster_config(), &opts.quality_rules());

    // Photos per person; a photo appears once per person in it.
    let mut albums: BTreeMap<PersonId, BTreeSet<usize>> = BTreeMap::new();
    let mut no_faces = Vec::new();
    // Photos whose only faces are unsure and close to nobody (a stranger far
    // behind, a face cut by the edge) get their own folder, not a person each.
    let mut other_faces = Vec::new();
    for (i, (photo, ids)) in batch.photos.iter().zip(&people.assignments).enumerate() {
        match &photo.result {
            Ok(faces) if faces.is_empty() => no_faces.push(i),
            Ok(_) if ids.iter().all(Option::is_none) => other_faces.push(i),
            Ok(_) => ids.iter().flatten().for_each(|id| {
                albums.entry(*id).or_default().insert(i);
            }),
            Err(_) => {}
        }
    }
    // Largest album first, so person-01 is the person in most photos.
    let mut ordered: Vec<(PersonId, BTreeSet<usize>)> = albums.into_iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let width = ordered.len().to_string().len().max(2);
    for (n, (_, photos)) in ordered.iter().enumerate() {
        let folder = out_dir.join(format!("person-{:0width$}", n + 1));
        copy_all(&batch, photos.iter().copied(), &folder)?;
    }
    if !no_faces.is_empty() {
        copy_all(&batch, no_faces.iter().copied(), &out_dir.join("no-faces"))?;
    }
    if !other_faces.is_empty() {
        copy_all(
            &batch,
            other_faces.iter().copied(),
            &out_dir.join("other-faces"),
        )?;
    }
    let failed: Vec<String> = batch
        .failures()
        .map(|(rel, e)| format!("{rel}: {e}"))
        .collect();
    if !failed.is_empty() {
        std::fs::write(out_dir.join("failed.txt"), failed.join("\n") + "\n")
            .map_err(|e| e.to_string())?;
    }
    eprintln!(
        "{} photos: {} people, {} without faces, {} with only unclear faces (other-faces), {} failed{}; sorted into {}",
        batch.photos.len(),
        ordered.len(),
        no_faces.len(),
        other_faces.len(),
        failed.len(),
        if failed.is_empty() {
            ""
        } else {
            " (listed in failed.txt)"
        },
        out_dir.display()
    );
    Ok(())
}

/// Copies photos into `folder` under their file names, numbering repeats of a
/// name (two `IMG_0001.jpg` from different subfolders both survive).
fn copy_all(
    batch: &batch::Batch,
    photos: impl Iterator<Item = usize>,
    folder: &Path,
) -> Result<(), String> {
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let mut names = UniqueNames::default();
    for i in photos {
        let src = &batch.photos[i].path;
        let file_name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = folder.join(names.claim(&file_name));
        std::fs::copy(src, &target)
            .map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), target.display()))?;
    }
    Ok(())
}
