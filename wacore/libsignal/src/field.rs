//! Just enough arithmetic modulo p = 2^255 - 19 to map a public Montgomery
//! u-coordinate to its Edwards y-coordinate (`y = (u - 1) / (u + 1)`), which
//! curve25519-dalek does not expose. Only public values pass through here.
//!
//! Elements are five 51-bit limbs (radix 2^51), as in curve25519-dalek's
//! serial backend; limbs stay below 2^54 between operations.

/// Low 51 bits.
const MASK: u64 = (1 << 51) - 1;

/// An element of GF(2^255 - 19), not necessarily fully reduced.
#[derive(Clone, Copy)]
pub(crate) struct Fe([u64; 5]);

impl Fe {
    const ONE: Fe = Fe([1, 0, 0, 0, 0]);

    /// Loads 32 little-endian bytes, ignoring bit 255 (as X25519 and
    /// curve25519-dalek do). Values in `p..2^255` are accepted unreduced.
    fn from_bytes(bytes: &[u8; 32]) -> Fe {
        let mut w = [0u64; 4];
        for (dst, chunk) in w.iter_mut().zip(bytes.chunks_exact(8)) {
            *dst = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        let [w0, w1, w2, w3] = w;
        Fe([
            w0 & MASK,
            ((w0 >> 51) | (w1 << 13)) & MASK,
            ((w1 >> 38) | (w2 << 26)) & MASK,
            ((w2 >> 25) | (w3 << 39)) & MASK,
            (w3 >> 12) & MASK,
        ])
    }

    /// The canonical (fully reduced) little-endian encoding.
    fn to_bytes(self) -> [u8; 32] {
        let [mut l0, mut l1, mut l2, mut l3, mut l4] = self.carried().0;
        // Now every limb is below 2^51 except l0 < 2^51 + 19·2^3: the value is
        // below 2p, so subtracting p at most once reduces it. q = 1 iff value >= p.
        let mut q = (l0 + 19) >> 51;
        q = (l1 + q) >> 51;
        q = (l2 + q) >> 51;
        q = (l3 + q) >> 51;
        q = (l4 + q) >> 51;
        l0 += 19 * q;
        l1 += l0 >> 51;
        l0 &= MASK;
        l2 += l1 >> 51;
        l1 &= MASK;
        l3 += l2 >> 51;
        l2 &= MASK;
        l4 += l3 >> 51;
        l3 &= MASK;
        l4 &= MASK; // drops 2^255, completing the subtraction of p
        let words = [
            l0 | (l1 << 51),
            (l1 >> 13) | (l2 << 38),
            (l2 >> 26) | (l3 << 25),
            (l3 >> 39) | (l4 << 12),
        ];
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    /// One carry pass: limbs below 2^51, except limb 0 below 2^51 + 19·2^13.
    fn carried(self) -> Fe {
        let [mut l0, mut l1, mut l2, mut l3, mut l4] = self.0;
        l1 += l0 >> 51;
        l0 &= MASK;
        l2 += l1 >> 51;
        l1 &= MASK;
        l3 += l2 >> 51;
        l2 &= MASK;
        l4 += l3 >> 51;
        l3 &= MASK;
        l0 += 19 * (l4 >> 51);
        l4 &= MASK;
        Fe([l0, l1, l2, l3, l4])
    }

    fn add(self, other: Fe) -> Fe {
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = other.0;
        Fe([a0 + b0, a1 + b1, a2 + b2, a3 + b3, a4 + b4]).carried()
    }

    fn sub(self, other: Fe) -> Fe {
        // Adds 16p first so that no limb underflows (other's limbs < 2^54).
        const P16_0: u64 = 16 * ((1 << 51) - 19);
        const P16_N: u64 = 16 * ((1 << 51) - 1);
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = other.0;
        Fe([
            a0 + P16_0 - b0,
            a1 + P16_N - b1,
            a2 + P16_N - b2,
            a3 + P16_N - b3,
            a4 + P16_N - b4,
        ])
        .carried()
    }

    fn mul(self, other: Fe) -> Fe {
        #[inline(always)]
        fn m(x: u64, y: u64) -> u128 {
            u128::from(x) * u128::from(y)
        }
        let [a0, a1, a2, a3, a4] = self.0;
        let [b0, b1, b2, b3, b4] = other.0;
        let (b1_19, b2_19, b3_19, b4_19) = (b1 * 19, b2 * 19, b3 * 19, b4 * 19);
        let c0 = m(a0, b0) + m(a4, b1_19) + m(a3, b2_19) + m(a2, b3_19) + m(a1, b4_19);
        let c1 = m(a1, b0) + m(a0, b1) + m(a4, b2_19) + m(a3, b3_19) + m(a2, b4_19);
        let c2 = m(a2, b0) + m(a1, b1) + m(a0, b2) + m(a4, b3_19) + m(a3, b4_19);
        let c3 = m(a3, b0) + m(a2, b1) + m(a1, b2) + m(a0, b3) + m(a4, b4_19);
        let c4 = m(a4, b0) + m(a3, b1) + m(a2, b2) + m(a1, b3) + m(a0, b4);
        Self::reduce_wide([c0, c1, c2, c3, c4])
    }

    fn square(self) -> Fe {
        #[inline(always)]
        fn m(x: u64, y: u64) -> u128 {
            u128::from(x) * u128::from(y)
        }
        let [a0, a1, a2, a3, a4] = self.0;
        let (a3_19, a4_19) = (a3 * 19, a4 * 19);
        let c0 = m(a0, a0) + 2 * (m(a1, a4_19) + m(a2, a3_19));
        let c1 = m(a3, a3_19) + 2 * (m(a0, a1) + m(a2, a4_19));
        let c2 = m(a1, a1) + 2 * (m(a0, a2) + m(a4, a3_19));
        let c3 = m(a4, a4_19) + 2 * (m(a0, a3) + m(a1, a2));
        let c4 = m(a2, a2) + 2 * (m(a0, a4) + m(a1, a3));
        Self::reduce_wide([c0, c1, c2, c3, c4])
    }

    /// Carries 128-bit column sums (each below 2^116) back into 51-bit limbs.
    fn reduce_wide(c: [u128; 5]) -> Fe {
        let [c0, mut c1, mut c2, mut c3, mut c4] = c;
        c1 += c0 >> 51;
        c2 += c1 >> 51;
        c3 += c2 >> 51;
        c4 += c3 >> 51;
        // c4 >> 51 < 2^65: fold it back in 128-bit arithmetic.
        let l0 = (c0 & u128::from(MASK)) + 19 * (c4 >> 51);
        let l1 = (c1 & u128::from(MASK)) + (l0 >> 51);
        Fe([
            (l0 as u64) & MASK,
            l1 as u64,
            (c2 as u64) & MASK,
            (c3 as u64) & MASK,
            (c4 as u64) & MASK,
        ])
    }

    fn square_n(self, n: u32) -> Fe {
        let mut x = self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }

    /// `self^(p-2)`, the inverse (0 for 0).
    fn invert(self) -> Fe {
        let z2 = self.square();
        let z9 = z2.square_n(2).mul(self);
        let z11 = z9.mul(z2);
        let z_5_0 = z11.square().mul(z9); // 2^5 - 1
        let z_10_0 = z_5_0.square_n(5).mul(z_5_0);
        let z_20_0 = z_10_0.square_n(10).mul(z_10_0);
        let z_40_0 = z_20_0.square_n(20).mul(z_20_0);
        let z_50_0 = z_40_0.square_n(10).mul(z_10_0);
        let z_100_0 = z_50_0.square_n(50).mul(z_50_0);
        let z_200_0 = z_100_0.square_n(100).mul(z_100_0);
        let z_250_0 = z_200_0.square_n(50).mul(z_50_0);
        z_250_0.square_n(5).mul(z11) // 2^255 - 21 = p - 2
    }
}

/// The canonical encoding of `p - 1` (that is, -1).
pub(crate) const MINUS_ONE: [u8; 32] = {
    let mut b = [0xFFu8; 32];
    b[0] = 0xEC;
    b[31] = 0x7F;
    b
};

/// The Edwards y-coordinate `(u - 1) / (u + 1)` of the Montgomery
/// u-coordinate `u` (bit 255 ignored), canonically encoded; `None` when
/// `u = -1`, which has no image. Equals the y that curve25519-dalek's
/// `MontgomeryPoint::to_edwards` decompresses. Variable time: public keys only.
pub(crate) fn edwards_y(u: &[u8; 32]) -> Option<[u8; 32]> {
    let u = Fe::from_bytes(u);
    let denominator = u.add(Fe::ONE);
    if denominator.to_bytes() == [0u8; 32] {
        return None;
    }
    Some(u.sub(Fe::ONE).mul(denominator.invert()).to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::montgomery::MontgomeryPoint;
    use rand::Rng;

    /// p = 2^255 - 19 and nearby encodings.
    fn edge_values() -> Vec<[u8; 32]> {
        let mut p = MINUS_ONE;
        p[0] = 0xED;
        let mut values = vec![[0u8; 32], MINUS_ONE, p, [0xFF; 32]];
        for k in [1u8, 2, 9, 18, 19, 20, 0xEE, 0xEF] {
            let mut small = [0u8; 32];
            small[0] = k;
            values.push(small);
            let mut near_p = p;
            near_p[0] = near_p[0].wrapping_add(k); // p + k for k < 19; wraps above
            values.push(near_p);
            let mut top = small;
            top[31] = 0x80; // bit 255 set: ignored
            values.push(top);
        }
        values
    }

    /// y from curve25519-dalek, where it has a point: the decompressed
    /// point's encoding with sign 0 (its y bytes; x = 0 only for y = -1).
    fn dalek_y(u: &[u8; 32]) -> Option<[u8; 32]> {
        MontgomeryPoint(*u)
            .to_edwards(0)
            .map(|p| p.compress().to_bytes())
    }

    #[test]
    fn edwards_y_matches_dalek_on_curve_points_and_edges() {
        let mut rng = rand::rng();
        let mut inputs = edge_values();
        for _ in 0..300 {
            let mut k = [0u8; 32];
            rng.fill_bytes(&mut k);
            inputs.push(MontgomeryPoint::mul_base_clamped(k).to_bytes());
            let mut raw = [0u8; 32];
            rng.fill_bytes(&mut raw);
            inputs.push(raw); // about half of these are on the twist
        }
        let mut compared = 0;
        for u in &inputs {
            let ours = edwards_y(u);
            assert_eq!(ours.is_none(), Fe::from_bytes(u).to_bytes() == MINUS_ONE);
            if let Some(expected) = dalek_y(u) {
                assert_eq!(ours, Some(expected), "u = {u:02x?}");
                compared += 1;
            }
        }
        assert!(compared > 300);
    }

    #[test]
    fn arithmetic_identities() {
        let mut rng = rand::rng();
        for _ in 0..200 {
            let mut a = [0u8; 32];
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut a);
            rng.fill_bytes(&mut b);
            let (x, y) = (Fe::from_bytes(&a), Fe::from_bytes(&b));
            assert_eq!(x.mul(x.invert()).to_bytes(), Fe::ONE.to_bytes());
            assert_eq!(x.square().to_bytes(), x.mul(x).to_bytes());
            assert_eq!(x.add(y).sub(y).to_bytes(), x.to_bytes());
            assert_eq!(x.sub(y).add(y).to_bytes(), x.to_bytes());
            assert_eq!(x.mul(y).to_bytes(), y.mul(x).to_bytes());
            // (x + y)^2 = x^2 + 2xy + y^2
            let xy = x.mul(y);
            assert_eq!(
                x.add(y).square().to_bytes(),
                x.square().add(xy).add(xy).add(y.square()).to_bytes()
            );
        }
        // Canonical encoding reduces p..2^255.
        for v in edge_values() {
            let canonical = Fe::from_bytes(&v).to_bytes();
            assert!(canonical[31] < 0x80);
            assert_eq!(Fe::from_bytes(&canonical).to_bytes(), canonical);
        }
        assert_eq!(Fe([0; 5]).invert().to_bytes(), [0u8; 32]);
    }
}
