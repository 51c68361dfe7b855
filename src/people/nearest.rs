//! Every face's nearest faces in the whole library, kept up to date as faces
//! arrive, so a grouping of a few faces can use the same shared-neighbour
//! distance ([`crate::people::cluster`]) as grouping the whole library at
//! once. Adding a face compares it with every face so far once: linear in
//! the library, where finding all neighbourhoods again for each grouping was
//! quadratic.

use crate::face::embedding::{distance, Embedding};
use crate::people::book::FaceKey;
use crate::people::cluster::PhotoId;
use std::collections::HashMap;

/// A face's place in a [`NearestFaces`]: faces are numbered as they arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaceNumber(pub u32);

#[derive(Clone, Debug)]
pub struct NearestFaces {
    k: usize,
    photos: Vec<PhotoId>,
    /// Every face's descriptor, one after another (`dim` values each).
    values: Vec<f32>,
    dim: usize,
    /// Nearest first, ties by number, at most `k`.
    nearest: Vec<Vec<(f32, u32)>>,
}

impl NearestFaces {
    pub fn new(k: usize) -> Self {
        NearestFaces {
            k,
            photos: Vec::new(),
            values: Vec::new(),
            dim: 0,
            nearest: Vec::new(),
        }
    }

    /// Adds a face; its nearest faces, and those of every face it is nearer
    /// to than their farthest, are found exactly (faces of one photo are
    /// never each other's neighbours).
    pub fn add(&mut self, photo: PhotoId, embedding: &Embedding) -> FaceNumber {
        let me = self.photos.len() as u32;
        let e = embedding.as_slice();
        if self.photos.is_empty() {
            self.dim = e.len();
        }
        let mut mine: Vec<(f32, u32)> = Vec::with_capacity(self.k + 1);
        // A descriptor of another length is nobody's neighbour (as
        // [`Embedding::distance`] makes it infinitely far).
        if self.k > 0 && e.len() == self.dim && self.dim > 0 {
            for (j, other) in self.values.chunks_exact(self.dim).enumerate() {
                if self.photos[j] == photo {
                    continue;
                }
                let d = distance(e, other);
                insert(&mut mine, (d, j as u32), self.k);
                insert(&mut self.nearest[j], (d, me), self.k);
            }
        }
        self.photos.push(photo);
        if e.len() == self.dim {
            self.values.extend_from_slice(e);
        } else {
            self.values.extend(std::iter::repeat_n(f32::NAN, self.dim));
        }
        self.nearest.push(mine);
        FaceNumber(me)
    }

    /// A face's nearest faces, by number, sorted by number.
    pub fn of(&self, face: FaceNumber) -> Vec<u32> {
        let mut list: Vec<u32> = self
            .nearest
            .get(face.0 as usize)
            .into_iter()
            .flatten()
            .map(|&(_, j)| j)
            .collect();
        list.sort_unstable();
        list
    }
}

/// [`NearestFaces`] of a library's faces, by [`FaceKey`]: what a grouping
/// job needs to carry each face's library-wide neighbourhood.
#[derive(Clone, Debug)]
pub struct FaceHoods {
    nearest: NearestFaces,
    numbers: HashMap<FaceKey, FaceNumber>,
    /// Each number's face.
    keys: Vec<FaceKey>,
}

impl FaceHoods {
    pub fn new(k: usize) -> Self {
        FaceHoods {
            nearest: NearestFaces::new(k),
            numbers: HashMap::new(),
            keys: Vec::new(),
        }
    }

    pub fn knows(&self, key: FaceKey) -> bool {
        self.numbers.contains_key(&key)
    }

    /// Adds a face once; a face already known is left as it is.
    pub fn add(&mut self, key: FaceKey, embedding: &Embedding) {
        if !self.knows(key) {
            let number = self.nearest.add(key.photo, embedding);
            self.numbers.insert(key, number);
            self.keys.push(key);
        }
    }

    /// The face's nearest faces, if it was added.
    pub fn nearest_keys(&self, key: FaceKey) -> Option<Vec<FaceKey>> {
        let n = self.numbers.get(&key)?;
        Some(
            self.nearest
                .of(*n)
                .into_iter()
                .map(|m| self.keys[m as usize])
                .collect(),
        )
    }

    /// The face's number and nearest faces, if it was added.
    pub fn hood(&self, key: FaceKey) -> Option<(u32, Vec<u32>)> {
        self.numbers.get(&key).map(|&n| (n.0, self.nearest.of(n)))
    }
}

/// Keeps `list` the `k` smallest (distance, number) pairs, in order.
fn insert(list: &mut Vec<(f32, u32)>, item: (f32, u32), k: usize) {
    if list.len() == k && item >= list[k - 1] {
        return;
    }
    let at = list.partition_point(|&x| x < item);
    list.insert(at, item);
    list.truncate(k);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emb(x: f32) -> Embedding {
        Embedding::new(vec![x, 0.0])
    }

    #[test]
    fn neighbours_follow_arrivals_and_skip_the_same_photo() {
        let mut n = NearestFaces::new(2);
        let a = n.add(PhotoId(0), &emb(0.0));
        let b = n.add(PhotoId(1), &emb(1.0));
        let c = n.add(PhotoId(1), &emb(0.1));
        assert_eq!(n.of(a), vec![1, 2]);
        // b and c share a photo: never each other's neighbour.
        assert_eq!(n.of(b), vec![0]);
        assert_eq!(n.of(c), vec![0]);
        // A nearer face pushes out the farthest one.
        let d = n.add(PhotoId(2), &emb(0.04));
        assert_eq!(n.of(a), vec![2, 3]);
        assert_eq!(n.of(d), vec![0, 2]);
        assert_eq!(n.of(FaceNumber(9)), Vec::<u32>::new());
    }
}
