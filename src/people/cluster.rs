//! Grouping faces into people without knowing how many people there are.
//!
//! Average-linkage agglomerative clustering with a distance threshold: start with
//! every face on its own and repeatedly join the two groups whose faces are, on
//! average, closest, until no pair is closer than the threshold. Average linkage
//! sits between single linkage (which chains look-alikes into one blob) and
//! complete linkage (which splits a person across lighting and age).
//!
//! **Shared neighbours.** One global threshold on raw distances cannot serve a
//! 200-photo family library and a 13,000-photo archive alike: the more people a
//! library holds, the more strangers fall within any fixed distance of a face
//! (dlib's embedding packs some groups of people, older East Asian men for one,
//! much tighter than others). So the distance between two faces is raised by
//! how little their neighbourhoods agree: `d + λ·(1 − shared/(k+2))`, where
//! `shared` counts the faces among both faces' `k` nearest neighbours, plus each
//! face being among the other's. Photos of one person share their neighbours
//! (each other); a look-alike pair in a crowded region has neighbourhoods full
//! of different strangers. In a small library the neighbourhoods are the few
//! people there are, so the rule costs nothing. Measured on `lfw-tune` and `dev`
//! (README, Evaluation), this is what lifts precision on the large set without
//! losing recall on the small one.
//!
//! **Unsure faces** (see [`crate::face::quality`]) never found a person: they take no
//! part in forming groups, and afterwards each joins the group it is closest
//! to only when that is clearly close ([`ClusterConfig::attach_threshold`]);
//! otherwise it stays unassigned ("Other faces").
//!
//! Two faces from the same photo are never the same person (cannot-link). That
//! constraint is an infinite distance, which average linkage propagates by
//! itself: a group that contains either face of a forbidden pair stays infinitely
//! far from the other. The same mechanism keeps already-known people apart when
//! new photos arrive, and keeps a face away from a person the user removed it from.
//!
//! Memory is one `f32` per pair of new faces and known people (4,000 new faces
//! need 32 MB) plus `k` neighbours per face; finding the neighbours compares
//! every face with every other once.

use crate::face::embedding::{self, Embedding};
use serde::{Deserialize, Serialize};

/// Identifies the photo a face came from; faces sharing one are never joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PhotoId(pub u32);

/// Identifies a person (a cluster of faces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub u32);

#[derive(Clone, Copy, Debug)]
pub struct FaceToCluster<'a> {
    pub photo: PhotoId,
    pub embedding: &'a Embedding,
    /// Whether the face is clear enough to found a person (see [`crate::face::quality`]).
    pub sure: bool,
    /// The face's nearest faces in the whole library, when the caller keeps
    /// them ([`crate::people::nearest`]); otherwise they are found among the
    /// faces being grouped.
    pub hood: Option<Hood<'a>>,
}

/// A face's number in the library and its nearest faces' numbers (sorted).
#[derive(Clone, Copy, Debug)]
pub struct Hood<'a> {
    pub number: u32,
    pub nearest: &'a [u32],
}

/// A person that already exists (named, corrected by the user, …). Known people
/// are never merged with each other; new faces may join them.
#[derive(Clone, Debug)]
pub struct KnownPerson<'a> {
    pub id: PersonId,
    pub faces: Vec<FaceToCluster<'a>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// Two groups join while the mean (shared-neighbour) distance between
    /// their faces is below this.
    pub threshold: f32,
    /// `k`: how many nearest faces make a face's neighbourhood.
    pub neighbours: usize,
    /// `λ`: how much two faces' distance grows when their neighbourhoods have
    /// nothing in common.
    pub shared_weight: f32,
    /// An unsure face joins a group only when its mean distance to it is below this.
    pub attach_threshold: f32,
}

impl ClusterConfig {
    /// Chosen on `lfw-tune` and `dev` together; the sweeps are in the README.
    pub const DEFAULT: ClusterConfig = ClusterConfig {
        threshold: 0.65,
        neighbours: 5,
        shared_weight: 0.2,
        attach_threshold: 0.55,
    };

    /// Plain average linkage on raw distances (no neighbourhoods), as before
    /// shared neighbours; kept for comparison in sweeps and tests.
    pub fn plain(threshold: f32) -> Self {
        ClusterConfig {
            threshold,
            neighbours: 0,
            shared_weight: 0.0,
            attach_threshold: threshold,
        }
    }
}

impl Default for ClusterConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The outcome for the new faces, in input order: a person, or `None` for an
/// unsure face that was not clearly close to anyone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clustering {
    pub assignments: Vec<Option<PersonId>>,
}

/// Clusters faces from scratch; people are numbered from 0 in order of their
/// first face, so the result depends only on the input.
pub fn cluster(faces: &[FaceToCluster<'_>], config: &ClusterConfig) -> Clustering {
    cluster_with_corrections(&[], faces, &[], config)
}

/// A user's correction: this new face is not that person (it was removed from
/// them). It holds for every later grouping, whatever the distances say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotPerson {
    /// Index into the new faces.
    pub face: usize,
    pub person: PersonId,
}

/// Assigns new faces to known people where they match and groups the rest into
/// new people (numbered after the largest known id), honouring the user's
/// corrections: a face never joins a person it was removed from, nor a group
/// that later joins that person. Known people's faces never move.
pub fn cluster_with_corrections(
    known: &[KnownPerson<'_>],
    faces: &[FaceToCluster<'_>],
    corrections: &[NotPerson],
    config: &ClusterConfig,
) -> Clustering {
    group_faces(known, faces, corrections, None, config)
}

/// As [`cluster_with_corrections`], but the new faces start in the groups
/// `start` gives (a label per face), as an earlier grouping left them,
/// instead of each on its own. Each starting group is first grouped again
/// alone (so faces that no longer belong together part), then groups join
/// as average linkage would continue. Two groups whose centres are farther
/// apart than the threshold are never compared: their faces' mean distance
/// cannot be below it (a mean of distances is never below the distance of
/// the means, and the grouping distance never below the Euclidean one).
/// The cost follows the number of groups, not the number of face pairs.
pub fn cluster_from(
    known: &[KnownPerson<'_>],
    faces: &[FaceToCluster<'_>],
    corrections: &[NotPerson],
    start: &[u32],
    config: &ClusterConfig,
) -> Clustering {
    group_faces(known, faces, corrections, Some(start), config)
}

fn group_faces(
    known: &[KnownPerson<'_>],
    faces: &[FaceToCluster<'_>],
    corrections: &[NotPerson],
    start: Option<&[u32]>,
    config: &ClusterConfig,
) -> Clustering {
    // New people are numbered after every known id, pruned or not.
    let next_id = known.iter().map(|p| p.id.0 + 1).max().unwrap_or(0);
    // Only people within reach of some new face can take part: the grouping
    // distance is never below the Euclidean one, and a mean never below its
    // smallest term, so a person farther than both thresholds from every new
    // face can neither merge nor take an unsure face. Leaving them out keeps
    // a grouping's cost with the faces being placed, not with the library.
    let reach = config.threshold.max(config.attach_threshold);
    let known: Vec<&KnownPerson<'_>> = known
        .iter()
        .filter(|p| {
            p.faces.iter().any(|k| {
                faces
                    .iter()
                    .any(|f| k.embedding.distance(f.embedding) <= reach)
            })
        })
        .collect();
    // Every face of the job in one list: known people's faces, then new ones.
    let all: Vec<FaceToCluster<'_>> = known
        .iter()
        .flat_map(|p| p.faces.iter().copied())
        .chain(faces.iter().copied())
        .collect();
    let first_new = all.len() - faces.len();
    let hood = Neighbourhoods::new(&all, config.neighbours);
    let d = |a: usize, b: usize| hood.distance(&all, a, b, config);

    // Groups: known people first, then each sure new face on its own.
    let sure: Vec<usize> = (0..faces.len()).filter(|&i| faces[i].sure).collect();
    let mut groups: Vec<Group> = Vec::with_capacity(known.len() + sure.len());
    let mut offset = 0;
    for p in &known {
        groups.push(Group::new(
            p.faces.iter().map(|f| f.photo).collect(),
            (offset..offset + p.faces.len()).collect(),
            Some(p.id),
            Vec::new(),
        ));
        offset += p.faces.len();
    }
    let k = known.len();
    let rejected = |face: usize, person: PersonId| {
        corrections
            .iter()
            .any(|c| c.face == face && c.person == person)
    };
    if let Some(start) = start {
        for members in starting_groups(faces, &sure, start, config) {
            groups.push(Group::new(
                members.iter().map(|&i| faces[i].photo).collect(),
                members.iter().map(|&i| first_new + i).collect(),
                None,
                members,
            ));
        }
        let centres: Vec<Vec<f32>> = groups.iter().map(|g| centre(&all, &g.faces)).collect();
        let mut dist = Condensed::new(groups.len());
        for j in k..groups.len() {
            for i in 0..j {
                let refused = match groups[i].person {
                    Some(p) => groups[j].members.iter().any(|&f| rejected(f, p)),
                    None => false,
                };
                if refused
                    || groups[i].faces.is_empty()
                    || groups[i].shares_photo(&groups[j])
                    || embedding::distance(&centres[i], &centres[j]) >= config.threshold
                {
                    continue;
                }
                let v = mean(
                    groups[i]
                        .faces
                        .iter()
                        .flat_map(|&a| groups[j].faces.iter().map(move |&b| (a, b)))
                        .map(|(a, b)| d(a, b)),
                );
                dist.set(i, j, v);
            }
        }
        agglomerate(&mut groups, &mut dist, config.threshold);
        return finish(
            groups, faces, &all, first_new, next_id, &d, &rejected, config,
        );
    }
    groups.extend(
        sure.iter()
            .map(|&i| Group::new(vec![faces[i].photo], vec![first_new + i], None, vec![i])),
    );

    let mut dist = Condensed::new(groups.len());
    for (j, &fj) in sure.iter().enumerate() {
        for (i, person) in known.iter().enumerate() {
            let v = if groups[i].faces.is_empty()
                || groups[i].shares_photo(&groups[k + j])
                || rejected(fj, person.id)
            {
                // Infinite distance is all a correction needs: average linkage
                // keeps any group containing the face infinitely far from the person.
                f32::INFINITY
            } else {
                mean(groups[i].faces.iter().map(|&f| d(first_new + fj, f)))
            };
            dist.set(i, k + j, v);
        }
        for (i, &fi) in sure[..j].iter().enumerate() {
            let v = if faces[fi].photo == faces[fj].photo {
                f32::INFINITY
            } else {
                d(first_new + fi, first_new + fj)
            };
            dist.set(k + i, k + j, v);
        }
    }
    agglomerate(&mut groups, &mut dist, config.threshold);
    finish(
        groups, faces, &all, first_new, next_id, &d, &rejected, config,
    )
}

/// Unsure faces join the group they are clearly closest to, or nobody; then
/// each new face gets its group's person (new people numbered from `next_id`
/// in order of their first face).
#[allow(clippy::too_many_arguments)]
fn finish(
    mut groups: Vec<Group>,
    faces: &[FaceToCluster<'_>],
    all: &[FaceToCluster<'_>],
    first_new: usize,
    mut next_id: u32,
    d: &dyn Fn(usize, usize) -> f32,
    rejected: &dyn Fn(usize, PersonId) -> bool,
    config: &ClusterConfig,
) -> Clustering {
    // Unsure faces join the group they are clearly closest to, or nobody.
    let alive: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g].alive && !groups[g].faces.is_empty())
        .collect();
    // A group whose centre is farther than the attach threshold cannot be
    // clearly close (see [`cluster_from`]): it is not compared face by face.
    let mut centres: Vec<Vec<f32>> = vec![Vec::new(); groups.len()];
    if faces.iter().any(|f| !f.sure) {
        for &g in &alive {
            centres[g] = centre(all, &groups[g].faces);
        }
    }
    for (i, f) in faces.iter().enumerate().filter(|(_, f)| !f.sure) {
        let best = alive
            .iter()
            .filter(|&&g| groups[g].photos.binary_search(&f.photo).is_err())
            .filter(|&&g| !groups[g].person.is_some_and(|p| rejected(i, p)))
            .filter(|&&g| {
                embedding::distance(&centres[g], f.embedding.as_slice()) < config.attach_threshold
            })
            .map(|&g| {
                (
                    g,
                    mean(groups[g].faces.iter().map(|&m| d(first_new + i, m))),
                )
            })
            .filter(|(_, v)| *v < config.attach_threshold)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        if let Some((g, _)) = best {
            let group = &mut groups[g];
            let at = group.photos.binary_search(&f.photo).unwrap_or_else(|e| e);
            group.photos.insert(at, f.photo);
            group.members.push(i);
        }
    }

    let mut assignments = vec![None; faces.len()];
    let mut formed: Vec<&mut Group> = groups
        .iter_mut()
        .filter(|g| g.alive && !g.members.is_empty())
        .collect();
    for g in formed.iter_mut() {
        g.members.sort();
    }
    formed.sort_by_key(|g| g.members[0]);
    for g in formed {
        let id = g.person.unwrap_or_else(|| {
            next_id += 1;
            PersonId(next_id - 1)
        });
        for &m in &g.members {
            assignments[m] = Some(id);
        }
    }
    Clustering { assignments }
}

/// How much tighter than the threshold a starting group's faces must hold
/// together to stay together before groups join ([`cluster_from`]). Average
/// linkage joins the closest groups first, so the groups grouping everything
/// at once has formed by a tighter threshold are the cores of its final
/// ones: starting from those cores, continuing to the threshold ends where
/// grouping everything at once would. Starting from whole people ended
/// up to 0.008 BCubed F1 below it on shuffled `lfw-tune`; from cores 0.1
/// tighter, within 0.001 (README, Grouping while photos arrive).
pub const SPLIT_MARGIN: f32 = 0.1;

/// The sure new faces grouped as `start` labels them, each label's faces
/// grouped again alone first, more tightly (indices into the new faces).
fn starting_groups(
    faces: &[FaceToCluster<'_>],
    sure: &[usize],
    start: &[u32],
    config: &ClusterConfig,
) -> Vec<Vec<usize>> {
    let mut by_label: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for &i in sure {
        by_label.entry(start[i]).or_default().push(i);
    }
    let mut out = Vec::new();
    for members in by_label.into_values() {
        if members.len() == 1 {
            out.push(members);
            continue;
        }
        let alone: Vec<FaceToCluster<'_>> = members.iter().map(|&i| faces[i]).collect();
        let tight = ClusterConfig {
            threshold: config.threshold - SPLIT_MARGIN,
            ..*config
        };
        let parts = cluster(&alone, &tight);
        let mut split: std::collections::BTreeMap<PersonId, Vec<usize>> = Default::default();
        for (m, p) in members.iter().zip(&parts.assignments) {
            if let Some(p) = p {
                split.entry(*p).or_default().push(*m);
            }
        }
        out.extend(split.into_values());
    }
    out
}

fn centre(all: &[FaceToCluster<'_>], faces: &[usize]) -> Vec<f32> {
    let dim = faces.first().map_or(0, |&f| all[f].embedding.len());
    let mut c = vec![0f32; dim];
    for &f in faces {
        for (c, v) in c.iter_mut().zip(all[f].embedding.as_slice()) {
            *c += v;
        }
    }
    let n = faces.len().max(1) as f32;
    c.iter_mut().for_each(|c| *c /= n);
    c
}

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let (sum, n) = values.fold((0f32, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f32::INFINITY
    } else {
        sum / n as f32
    }
}

/// Each face's `k` nearest faces from other photos, sorted by number: in
/// the whole library when every face brings its [`Hood`], else among the
/// faces being grouped (numbered by index).
struct Neighbourhoods {
    k: usize,
    numbers: Vec<u32>,
    lists: Vec<Vec<u32>>,
}

impl Neighbourhoods {
    fn new(all: &[FaceToCluster<'_>], k: usize) -> Self {
        if k == 0 {
            return Neighbourhoods {
                k,
                numbers: Vec::new(),
                lists: Vec::new(),
            };
        }
        if let Some(hoods) = all.iter().map(|f| f.hood).collect::<Option<Vec<_>>>() {
            return Neighbourhoods {
                k,
                numbers: hoods.iter().map(|h| h.number).collect(),
                lists: hoods.iter().map(|h| h.nearest.to_vec()).collect(),
            };
        }
        let lists = (0..all.len())
            .map(|i| {
                // Nearest first, ties by index, so the result never depends on
                // the order the distances were computed in.
                let mut best: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
                for (j, f) in all.iter().enumerate() {
                    if j == i || f.photo == all[i].photo {
                        continue;
                    }
                    let v = all[i].embedding.distance(f.embedding);
                    if best.len() == k && (v, j as u32) >= best[k - 1] {
                        continue;
                    }
                    let at = best.partition_point(|&(bv, bj)| (bv, bj) < (v, j as u32));
                    best.insert(at, (v, j as u32));
                    best.truncate(k);
                }
                let mut list: Vec<u32> = best.into_iter().map(|(_, j)| j).collect();
                list.sort_unstable();
                list
            })
            .collect();
        Neighbourhoods {
            k,
            numbers: (0..all.len() as u32).collect(),
            lists,
        }
    }

    /// How many neighbours `a` and `b` share, counting each as the other's.
    fn shared(&self, a: usize, b: usize) -> usize {
        let (la, lb) = (&self.lists[a], &self.lists[b]);
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < la.len() && j < lb.len() {
            match la[i].cmp(&lb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n + usize::from(la.binary_search(&self.numbers[b]).is_ok())
            + usize::from(lb.binary_search(&self.numbers[a]).is_ok())
    }

    fn distance(
        &self,
        all: &[FaceToCluster<'_>],
        a: usize,
        b: usize,
        config: &ClusterConfig,
    ) -> f32 {
        let raw = all[a].embedding.distance(all[b].embedding);
        if self.k == 0 {
            return raw;
        }
        let agree = self.shared(a, b) as f32 / (self.k + 2) as f32;
        raw + config.shared_weight * (1.0 - agree.min(1.0))
    }
}

struct Group {
    /// Sorted photo ids of all faces in the group.
    photos: Vec<PhotoId>,
    /// Indices into the job's list of every face (known, then new).
    faces: Vec<usize>,
    person: Option<PersonId>,
    /// Indices of new faces.
    members: Vec<usize>,
    alive: bool,
}

impl Group {
    fn new(
        mut photos: Vec<PhotoId>,
        faces: Vec<usize>,
        person: Option<PersonId>,
        members: Vec<usize>,
    ) -> Self {
        photos.sort();
        Group {
            photos,
            faces,
            person,
            members,
            alive: true,
        }
    }

    fn shares_photo(&self, other: &Group) -> bool {
        other
            .photos
            .iter()
            .any(|p| self.photos.binary_search(p).is_ok())
    }
}

/// Upper triangle of a symmetric matrix without its diagonal.
struct Condensed {
    n: usize,
    values: Vec<f32>,
}

impl Condensed {
    fn new(n: usize) -> Self {
        Condensed {
            n,
            values: vec![f32::INFINITY; n * n.saturating_sub(1) / 2],
        }
    }

    fn index(&self, i: usize, j: usize) -> usize {
        let (i, j) = if i < j { (i, j) } else { (j, i) };
        i * (2 * self.n - i - 1) / 2 + (j - i - 1)
    }

    fn get(&self, i: usize, j: usize) -> f32 {
        self.values[self.index(i, j)]
    }

    fn set(&mut self, i: usize, j: usize, v: f32) {
        let idx = self.index(i, j);
        self.values[idx] = v;
    }
}

#[derive(Clone, Copy)]
struct Nearest {
    other: usize,
    dist: f32,
}

fn nearest(groups: &[Group], dist: &Condensed, i: usize) -> Option<Nearest> {
    let mut best: Option<Nearest> = None;
    for (j, g) in groups.iter().enumerate() {
        if j == i || !g.alive {
            continue;
        }
        let d = dist.get(i, j);
        if d.is_finite() && best.is_none_or(|b| d < b.dist) {
            best = Some(Nearest { other: j, dist: d });
        }
    }
    best
}

/// Greedy average-linkage merging with nearest-neighbour caching. Ties go to the
/// lowest indices, so equal inputs always give equal outputs.
fn agglomerate(groups: &mut [Group], dist: &mut Condensed, threshold: f32) {
    let mut nn: Vec<Option<Nearest>> = (0..groups.len())
        .map(|i| nearest(groups, dist, i))
        .collect();
    loop {
        let best = (0..groups.len())
            .filter(|&i| groups[i].alive)
            .filter_map(|i| nn[i].map(|n| (i, n)))
            .min_by(|(i, a), (j, b)| a.dist.total_cmp(&b.dist).then(i.cmp(j)));
        let Some((i, n)) = best else { break };
        if n.dist >= threshold {
            break;
        }
        let (keep, gone) = (i.min(n.other), i.max(n.other));
        let (sk, sg) = (
            groups[keep].faces.len() as f32,
            groups[gone].faces.len() as f32,
        );
        for (m, g) in groups.iter().enumerate() {
            if m != keep && m != gone && g.alive {
                // Lance–Williams update for average linkage; ∞ stays ∞.
                let d = (sk * dist.get(keep, m) + sg * dist.get(gone, m)) / (sk + sg);
                dist.set(keep, m, d);
            }
        }
        let gone_group = std::mem::replace(
            &mut groups[gone],
            Group::new(Vec::new(), Vec::new(), None, Vec::new()),
        );
        groups[gone].alive = false;
        let g = &mut groups[keep];
        g.photos.extend(gone_group.photos);
        g.photos.sort();
        g.faces.extend(gone_group.faces);
        g.person = g.person.or(gone_group.person);
        g.members.extend(gone_group.members);
        g.members.sort();
        nn[gone] = None;

        for m in 0..groups.len() {
            if m == keep || !groups[m].alive {
                continue;
            }
            match nn[m] {
                Some(old) if old.other == keep || old.other == gone => {
                    nn[m] = nearest(groups, dist, m)
                }
                old => {
                    let d = dist.get(keep, m);
                    if d.is_finite()
                        && old.is_none_or(|o| d < o.dist || (d == o.dist && keep < o.other))
                    {
                        nn[m] = Some(Nearest {
                            other: keep,
                            dist: d,
                        });
                    }
                }
            }
        }
        nn[keep] = nearest(groups, dist, keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// People a clustering made that were not in `known`, in order of their first face.
    fn new_people(c: &Clustering, known: &[PersonId]) -> Vec<PersonId> {
        let mut out = Vec::new();
        for p in c.assignments.iter().flatten() {
            if !known.contains(p) && !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }

    fn emb(x: f32, y: f32) -> Embedding {
        Embedding::new(vec![x, y])
    }

    fn faces<'a>(embs: &'a [Embedding], photos: &[u32]) -> Vec<FaceToCluster<'a>> {
        embs.iter()
            .zip(photos)
            .map(|(e, &p)| FaceToCluster {
                photo: PhotoId(p),
                embedding: e,
                sure: true,
                hood: None,
            })
            .collect()
    }

    /// Every face's person; all faces in these tests are sure, so all are placed.
    fn ids(c: &Clustering) -> Vec<PersonId> {
        c.assignments
            .iter()
            .map(|a| a.expect("every sure face is placed"))
            .collect()
    }

    fn people_count(c: &Clustering) -> usize {
        let mut ids = ids(c);
        ids.sort();
        ids.dedup();
        ids.len()
    }

    /// Pairs of face indices that share a person, for comparing partitions.
    fn partition(c: &Clustering) -> Vec<(usize, usize)> {
        let n = c.assignments.len();
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .filter(|&(i, j)| c.assignments[i] == c.assignments[j])
            .collect()
    }

    /// Three people, four photos each, each face on its own photo.
    fn three_people() -> Vec<Embedding> {
        let centres = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)];
        centres
            .iter()
            .flat_map(|&(x, y)| {
                [(0.0, 0.0), (0.03, 0.0), (0.0, 0.03), (0.02, 0.02)]
                    .map(|(dx, dy)| emb(x + dx, y + dy))
            })
            .collect()
    }

    #[test]
    fn refining_splits_wrong_merges_and_joins_splits() {
        let embs = three_people();
        let photos: Vec<u32> = (0..12).collect();
        let f = faces(&embs, &photos);
        let config = ClusterConfig::plain(0.5);
        let once = cluster(&f, &config);
        assert_eq!(people_count(&once), 3);
        // People 0 and 1 wrongly together, person 2 split in two.
        let start = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 3, 3];
        let refined = cluster_from(&[], &f, &[], &start, &config);
        assert_eq!(partition(&refined), partition(&once));
        // Starting where grouping everything at once ends changes nothing.
        let start: Vec<u32> = ids(&once).iter().map(|p| p.0).collect();
        assert_eq!(
            partition(&cluster_from(&[], &f, &[], &start, &config)),
            partition(&once)
        );
    }

    #[test]
    fn refining_keeps_photos_exclusive_and_known_people_apart() {
        let embs = three_people();
        // Faces 0 and 4 share a photo: person 0 and person 1 are in it.
        let photos = [0, 1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 11];
        let f = faces(&embs, &photos);
        let known_embs = [emb(0.01, 0.01), emb(1.01, 0.01)];
        let known = [
            KnownPerson {
                id: PersonId(7),
                faces: faces(&known_embs[..1], &[20]),
            },
            KnownPerson {
                id: PersonId(8),
                faces: faces(&known_embs[1..], &[21]),
            },
        ];
        let start = [0; 12];
        let c = cluster_from(&known, &f, &[], &start, &ClusterConfig::plain(0.5));
        let ids = ids(&c);
        assert!(ids[..4].iter().all(|&p| p == PersonId(7)), "{ids:?}");
        assert!(ids[4..8].iter().all(|&p| p == PersonId(8)), "{ids:?}");
        assert!(ids[8..].iter().all(|&p| p == ids[8] && p.0 > 8), "{ids:?}");
    }

    #[test]
    fn library_wide_neighbourhoods_group_as_finding_them_among_the_faces_does() {
        // Faces of 6 people in 8 dimensions, some close to each other.
        let mut x = 0x2545_f491u32;
        let mut noise = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as f32 / u32::MAX as f32 - 0.5) * 0.3
        };
        let centres: Vec<Vec<f32>> = (0..6)
            .map(|p| {
                (0..8)
                    .map(|d| if d == p || d == (p + 1) % 8 { 0.5 } else { 0.0 })
                    .collect()
            })
            .collect();
        let embs: Vec<Embedding> = (0..48)
            .map(|i| Embedding::new(centres[i % 6].iter().map(|c| c + noise()).collect()))
            .collect();
        let photos: Vec<u32> = (0..48).map(|i| i / 2).collect();
        let config = ClusterConfig::DEFAULT;
        let local = cluster(&faces(&embs, &photos), &config);
        // Faces arrive in another order than they are grouped in.
        let mut hoods = crate::people::nearest::NearestFaces::new(config.neighbours);
        let numbers: Vec<_> = (0..48)
            .rev()
            .map(|i| (i, hoods.add(PhotoId(photos[i]), &embs[i])))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_values()
            .collect();
        let lists: Vec<Vec<u32>> = numbers.iter().map(|&n| hoods.of(n)).collect();
        let with: Vec<FaceToCluster<'_>> = faces(&embs, &photos)
            .into_iter()
            .zip(numbers.iter().zip(&lists))
            .map(|(f, (n, l))| FaceToCluster {
                hood: Some(Hood {
                    number: n.0,
                    nearest: l,
                }),
                ..f
            })
            .collect();
        let global = cluster(&with, &config);
        assert!(people_count(&local) > 1);
        assert_eq!(partition(&global), partition(&local));
    }

    #[test]
    fn unsure_faces_never_found_a_person_but_join_one_they_are_clearly_close_to() {
        let e = [
            emb(0.0, 0.0),
            emb(0.1, 0.0),
            // Unsure, right beside the first two.
            emb(0.05, 0.05),
            // Two unsure faces of a stranger, close to each other only.
            emb(5.0, 5.0),
            emb(5.0, 5.05),
        ];
        let mut f = faces(&e, &[0, 1, 2, 3, 4]);
        for face in &mut f[2..] {
            face.sure = false;
        }
        let c = cluster(&f, &ClusterConfig::default());
        assert_eq!(c.assignments[2], c.assignments[0]);
        assert!(c.assignments[0].is_some());
        assert_eq!(c.assignments[3..], [None, None]);
        assert_eq!(new_people(&c, &[]).len(), 1);
        // Judged sure, the stranger's faces would have made a person.
        let all_sure = cluster(&faces(&e, &[0, 1, 2, 3, 4]), &ClusterConfig::default());
        assert_eq!(people_count(&all_sure), 2);
    }

    #[test]
    fn shared_neighbours_keep_two_tight_look_alike_groups_apart() {
        // Two people of six photos each, 0.5 apart: closer than the threshold on
        // raw distances, but each face's nearest neighbours are its own person's.
        let jitter = |i: usize| 0.01 * (i % 3) as f32;
        let e: Vec<Embedding> = (0..12)
            .map(|i| emb(if i < 6 { 0.0 } else { 0.5 } + jitter(i), jitter(i + 1)))
            .collect();
        let photos: Vec<u32> = (0..12).collect();
        let plain = cluster(&faces(&e, &photos), &ClusterConfig::plain(0.65));
        assert_eq!(people_count(&plain), 1, "raw distances merge them");
        let shared = cluster(&faces(&e, &photos), &ClusterConfig::default());
        assert_eq!(people_count(&shared), 2, "{:?}", shared.assignments);
        assert!(partition(&shared).iter().all(|&(i, j)| (i < 6) == (j < 6)));
    }

    #[test]
    fn separates_two_tight_groups_and_numbers_people_by_first_face() {
        let e = [
            emb(0.0, 0.0),
            emb(5.0, 5.0),
            emb(0.1, 0.0),
            emb(5.0, 5.2),
            emb(0.0, 0.2),
        ];
        let c = cluster(&faces(&e, &[0, 1, 2, 3, 4]), &ClusterConfig::default());
        assert_eq!(
            ids(&c),
            vec![
                PersonId(0),
                PersonId(1),
                PersonId(0),
                PersonId(1),
                PersonId(0)
            ]
        );
        assert_eq!(new_people(&c, &[]), vec![PersonId(0), PersonId(1)]);
    }

    #[test]
    fn never_puts_two_faces_of_one_photo_in_the_same_person() {
        // Three near-identical faces, two of them in photo 7: one must stay apart
        // even though it is well within the threshold of both others.
        let e = [emb(0.0, 0.0), emb(0.05, 0.0), emb(0.0, 0.05)];
        let c = cluster(&faces(&e, &[7, 7, 8]), &ClusterConfig::default());
        assert_ne!(c.assignments[0], c.assignments[1]);
        assert_eq!(people_count(&c), 2);
    }

    #[test]
    fn cannot_link_survives_transitive_merges() {
        // a–c and b–c are close, a and b share a photo: c may join one of them, and
        // the group it forms must never absorb the other.
        let e = [emb(0.0, 0.0), emb(0.4, 0.0), emb(0.2, 0.0), emb(0.2, 0.1)];
        let c = cluster(&faces(&e, &[1, 1, 2, 3]), &ClusterConfig::plain(1.0));
        assert_ne!(c.assignments[0], c.assignments[1]);
    }

    #[test]
    fn threshold_decides_between_one_and_two_people() {
        let e = [emb(0.0, 0.0), emb(0.5, 0.0)];
        let f = faces(&e, &[0, 1]);
        assert_eq!(people_count(&cluster(&f, &ClusterConfig::plain(0.45))), 2);
        assert_eq!(people_count(&cluster(&f, &ClusterConfig::plain(0.55))), 1);
    }

    #[test]
    fn average_linkage_does_not_chain_a_line_of_faces() {
        // Neighbours are 0.3 apart, so single linkage would join the whole line; the
        // mean distance between its two halves is well over the default threshold.
        let e: Vec<Embedding> = (0..8).map(|i| emb(0.3 * i as f32, 0.0)).collect();
        let c = cluster(
            &faces(&e, &(0..8).collect::<Vec<_>>()),
            &ClusterConfig::default(),
        );
        assert!(people_count(&c) >= 2, "{:?}", c.assignments);
        assert_ne!(c.assignments[0], c.assignments[7]);
    }

    #[test]
    fn deterministic_and_independent_of_input_order() {
        // A pseudo-random cloud around four centres.
        let mut seed = 12345u32;
        let mut rnd = || {
            seed = seed.wrapping_mul(1664525).wrapping_add(1013904223);
            (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
        };
        let centres = [(0.0, 0.0), (2.0, 0.0), (0.0, 2.0), (2.0, 2.0)];
        let e: Vec<Embedding> = (0..40)
            .map(|i| {
                emb(
                    centres[i % 4].0 + 0.4 * rnd(),
                    centres[i % 4].1 + 0.4 * rnd(),
                )
            })
            .collect();
        let photos: Vec<u32> = (0..40).map(|i| i / 3).collect();
        let a = cluster(&faces(&e, &photos), &ClusterConfig::default());
        assert_eq!(a, cluster(&faces(&e, &photos), &ClusterConfig::default()));

        let order: Vec<usize> = (0..40).rev().collect();
        let e2: Vec<Embedding> = order.iter().map(|&i| e[i].clone()).collect();
        let p2: Vec<u32> = order.iter().map(|&i| photos[i]).collect();
        let b = cluster(&faces(&e2, &p2), &ClusterConfig::default());
        let mut back = partition(&b)
            .into_iter()
            .map(|(i, j)| (order[j], order[i]))
            .collect::<Vec<_>>();
        back.sort();
        assert_eq!(partition(&a), back);
        assert_eq!(people_count(&a), 4);
    }

    #[test]
    fn new_faces_join_matching_known_people_and_others_become_new_people() {
        let alice = [emb(0.0, 0.0), emb(0.1, 0.0)];
        let bob = [emb(3.0, 0.0)];
        let known = vec![
            KnownPerson {
                id: PersonId(4),
                faces: faces(&alice, &[0, 1]),
            },
            KnownPerson {
                id: PersonId(9),
                faces: faces(&bob, &[2]),
            },
        ];
        let new = [emb(0.05, 0.1), emb(3.1, 0.0), emb(9.0, 9.0), emb(9.0, 9.1)];
        let c = cluster_with_corrections(
            &known,
            &faces(&new, &[10, 11, 12, 13]),
            &[],
            &ClusterConfig::default(),
        );
        assert_eq!(
            ids(&c),
            vec![PersonId(4), PersonId(9), PersonId(10), PersonId(10)]
        );
        assert_eq!(
            new_people(&c, &[PersonId(4), PersonId(9)]),
            vec![PersonId(10)]
        );
    }

    #[test]
    fn a_face_removed_from_a_person_never_returns_to_them_even_through_a_group() {
        let alice = [emb(0.0, 0.0), emb(0.05, 0.0)];
        let known = vec![KnownPerson {
            id: PersonId(3),
            faces: faces(&alice, &[0, 1]),
        }];
        // Face 0 looks exactly like Alice but the user removed it from her; face 1
        // is close to both Alice and face 0.
        let new = [emb(0.02, 0.0), emb(0.03, 0.01)];
        let f = faces(&new, &[5, 6]);
        let free = cluster_with_corrections(&known, &f, &[], &ClusterConfig::default());
        assert_eq!(
            ids(&free),
            vec![PersonId(3), PersonId(3)],
            "without the correction both join Alice"
        );
        let corrected = cluster_with_corrections(
            &known,
            &f,
            &[NotPerson {
                face: 0,
                person: PersonId(3),
            }],
            &ClusterConfig::default(),
        );
        assert_ne!(corrected.assignments[0], Some(PersonId(3)));
        // Face 1 may still join Alice, but then not together with face 0.
        assert!(
            corrected.assignments[1] != corrected.assignments[0]
                || corrected.assignments[1] != Some(PersonId(3))
        );
        // Corrections hold on every later run: the same inputs give the same answer.
        assert_eq!(
            corrected,
            cluster_with_corrections(
                &known,
                &f,
                &[NotPerson {
                    face: 0,
                    person: PersonId(3)
                }],
                &ClusterConfig::default()
            )
        );
    }

    #[test]
    fn an_unrelated_new_face_becomes_a_new_person_numbered_after_known_ones() {
        // Bob's faces include one the user confirmed although it looks unlike the
        // others (a baby photo, say); an unrelated new face still stays out.
        let bob = [emb(0.0, 0.0), emb(0.0, 0.05), emb(1.0, 0.0)];
        let known = vec![KnownPerson {
            id: PersonId(1),
            faces: faces(&bob, &[0, 1, 2]),
        }];
        let new = [emb(9.0, 9.0)];
        let c =
            cluster_with_corrections(&known, &faces(&new, &[7]), &[], &ClusterConfig::default());
        assert_eq!(
            ids(&c),
            vec![PersonId(2)],
            "an unrelated face becomes a new person"
        );
        assert_eq!(new_people(&c, &[]), vec![PersonId(2)]);
    }

    #[test]
    fn known_people_are_never_merged_and_keep_their_photos_exclusive() {
        // Two known people who look alike stay two people; a new face from a photo
        // where Alice already appears cannot be Alice, so it goes to Bob.
        let alice = [emb(0.0, 0.0)];
        let bob = [emb(0.2, 0.0)];
        let known = vec![
            KnownPerson {
                id: PersonId(0),
                faces: faces(&alice, &[1]),
            },
            KnownPerson {
                id: PersonId(1),
                faces: faces(&bob, &[2]),
            },
        ];
        let new = [emb(0.0, 0.01)];
        let c =
            cluster_with_corrections(&known, &faces(&new, &[1]), &[], &ClusterConfig::default());
        assert_eq!(ids(&c), vec![PersonId(1)]);
        assert!(new_people(&c, &[PersonId(0), PersonId(1)]).is_empty());
    }
}
