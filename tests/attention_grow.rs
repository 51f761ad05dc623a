//! Block masks that grow with a KV cache: an extended mask equals a fresh build for every
//! pattern kind over awkward shapes, an appended key recomputes a few blocks however long the
//! mask, bad extensions are typed errors, and a plan follows the growth with uniform and
//! mask-buffer writes only (the bound form stays valid) and matches the f64 reference.

mod common;

use common::ctx;
use wgkernels::ops::attention::reference::attention_ref;
use wgkernels::ops::attention::verify::unit_data;
use wgkernels::ops::attention::GrowingMask;
use wgkernels::{AttentionDesc, AttentionPlan, Error, MaskBuilder, Pattern};

fn patterns() -> Vec<(&'static str, Pattern)> {
    let sinks = Pattern::Stripes(vec![0, 1, 2, 3]);
    vec![
        ("full", Pattern::Full),
        ("causal", Pattern::Causal),
        ("causal window", Pattern::causal_window(40)),
        ("window", Pattern::window(20)),
        ("diagonal", Pattern::parse("diag:-30:6").unwrap()),
        ("multi-diagonal", Pattern::frames(32, 2, 5)),
        ("stripes", Pattern::Stripes(vec![5, 66, 67, 130, 400])),
        (
            "stripes every",
            Pattern::StripesEvery {
                stride: 50,
                offset: 7,
            },
        ),
        ("sink tokens", sinks.clone()),
        (
            "causal window + sinks",
            Pattern::causal_window(33).or(sinks),
        ),
        (
            "window & every",
            Pattern::window(70).and(Pattern::StripesEvery {
                stride: 3,
                offset: 0,
            }),
        ),
        ("global rows", Pattern::GlobalRows(vec![0, 3, 40])),
        ("closure", Pattern::closure(|i, j| (i * 7 + j) % 5 == 0)),
        ("skip", Pattern::Empty),
    ]
}

#[test]
fn extended_masks_equal_fresh_builds() {
    // (nq, first nkv, steps, block_q, block_kv): decode, chunks, tails, block-aligned lengths.
    let shapes: &[(u32, u32, &[u32], u32, u32)] = &[
        (1, 1, &[1, 1, 1, 13, 16, 1, 100], 16, 16),
        (5, 17, &[1, 46, 1, 64, 3], 16, 32),
        (37, 63, &[1, 1, 64, 129, 1], 32, 16),
        (100, 128, &[1, 31, 97, 2], 64, 64),
        (130, 64, &[1, 200, 7], 16, 128),
    ];
    for &(nq, nkv0, steps, bq, bk) in shapes {
        for stripes in [true, false] {
            for (name, p) in patterns() {
                let b = MaskBuilder::new(nq, nkv0, bq, bk).stripes(stripes);
                let mut g = GrowingMask::single(&b, &p).unwrap();
                let mut nkv = nkv0;
                for &s in steps {
                    nkv += s;
                    g.extend_kv(nkv).unwrap();
                    let fresh = MaskBuilder::new(nq, nkv, bq, bk)
                        .stripes(stripes)
                        .build(&p)
                        .unwrap();
                    let mut got = g.mask().clone();
                    got.validate().unwrap();
                    got.compact();
                    assert_eq!(
                        got, fresh,
                        "{name}: nq {nq}, nkv {nkv0} grown to {nkv}, blocks {bq}x{bk}, \
                         stripes {stripes}"
                    );
                }
            }
        }
    }
}

#[test]
fn per_head_and_per_batch_patterns_grow_like_fresh_builds() {
    let all: Vec<Pattern> = patterns().into_iter().map(|(_, p)| p).collect();
    // Two batches, five heads, heads 1 and 3 sharing a pattern.
    let table = vec![
        vec![
            all[1].clone(),
            all[9].clone(),
            all[5].clone(),
            all[9].clone(),
            all[12].clone(),
        ],
        vec![
            all[2].clone(),
            all[7].clone(),
            all[4].clone(),
            all[7].clone(),
            all[10].clone(),
        ],
    ];
    let b = MaskBuilder::new(21, 90, 16, 32);
    let mut g = GrowingMask::new(&b, &table).unwrap();
    for nkv in [91, 92, 120, 121, 250] {
        g.extend_kv(nkv).unwrap();
        let mut got = g.mask().clone();
        got.compact();
        let fresh = MaskBuilder::new(21, nkv, 16, 32)
            .build_batch_heads(&table)
            .unwrap();
        assert_eq!(got, fresh, "grown to {nkv}");
    }
}

#[test]
fn one_appended_key_recomputes_a_few_blocks_however_long_the_mask() {
    // Decode over 32k keys: a rebuild classifies 512 blocks per row list; one more key
    // recomputes the tail block plus one block per band edge.
    let p = Pattern::causal_window(1024).or(Pattern::Stripes(vec![0, 1, 2, 3]));
    let b = MaskBuilder::new(1, 32768, 16, 64);
    let mut g = GrowingMask::single(&b, &p).unwrap();
    for nkv in 32769..32769 + 200 {
        let touched = g.extend_kv(nkv).unwrap();
        assert!(
            touched <= 3,
            "{touched} blocks recomputed for one key at nkv {nkv}"
        );
    }
    let mut got = g.mask().clone();
    got.compact();
    assert_eq!(got, MaskBuilder::new(1, 32968, 16, 64).build(&p).unwrap());
    // Appending nothing is free.
    assert_eq!(g.extend_kv(32968).unwrap(), 0);
}

#[test]
fn bad_extensions_are_typed_errors() {
    let b = MaskBuilder::new(4, 100, 16, 16);
    let mut g = GrowingMask::single(&b, &Pattern::Causal).unwrap();
    assert!(matches!(g.extend_kv(99), Err(Error::Shape(_))));
    // Nothing changed.
    assert_eq!(g.mask(), &b.build(&Pattern::Causal).unwrap());
    let map = Pattern::BlockMap {
        block_q: 16,
        block_kv: 16,
        map: vec![true; 7],
    };
    assert!(matches!(
        GrowingMask::single(&b, &map),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        GrowingMask::single(&b, &Pattern::Causal.or(map)),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        GrowingMask::single(&MaskBuilder::new(4, 100, 16, 24), &Pattern::Causal),
        Err(Error::Unsupported(_))
    ));

    // A plan refuses masks that shrink, change the queries or the block size.
    let desc = AttentionDesc::new(1, 2, 4, 32).kv_len(100);
    let mut plan = AttentionPlan::new(ctx(), desc, Some(g.mask()), None).unwrap();
    let shorter = MaskBuilder::new(4, 90, 16, 16)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(matches!(plan.extend_kv(&shorter), Err(Error::Shape(_))));
    let other_q = MaskBuilder::new(5, 120, 16, 16)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(matches!(plan.extend_kv(&other_q), Err(Error::Shape(_))));
    let other_blocks = MaskBuilder::new(4, 120, 16, 32)
        .build(&Pattern::Causal)
        .unwrap();
    assert!(matches!(
        plan.extend_kv(&other_blocks),
        Err(Error::Shape(_))
    ));
    // Failed extensions leave the plan as it was.
    assert_eq!(plan.desc().nkv, 100);
}

#[test]
fn a_plan_follows_a_growing_cache_without_binding_again() {
    let ctx = ctx();
    // One sequence, one KV head (GQA 2:1): K and V sized for the cache's capacity, bound once.
    // The full pattern keeps every block full as it grows: the dense kernel all along.
    let (nq, cap, d) = (3u32, 300u32, 32u32);
    let window = Pattern::causal_window(40).or(Pattern::Stripes(vec![0, 1]));
    for (p, dense_kernel) in [(window, false), (Pattern::Full, true)] {
        let desc = AttentionDesc::new(1, 2, nq, d).gqa(1).kv_len(70);
        let (blk_q, blk_k) = AttentionPlan::block_sizes(ctx, &desc);
        let mut g = GrowingMask::single(&MaskBuilder::new(nq, 70, blk_q, blk_k), &p).unwrap();
        let (q, qf) = unit_data::<f32>(desc.q_len_elems() as usize, 31);
        let (k, kf) = unit_data::<f32>((cap * d) as usize, 32);
        let (v, vf) = unit_data::<f32>((cap * d) as usize, 33);
        let (qb, kb, vb) = (
            ctx.upload("q", &q).unwrap(),
            ctx.upload("k", &k).unwrap(),
            ctx.upload("v", &v).unwrap(),
        );
        let ob = ctx.storage("o", desc.q_len_elems() * 4).unwrap();
        let mut plan = AttentionPlan::new(ctx, desc, Some(g.mask()), None).unwrap();
        let mut bound = plan.bind(&qb, &kb, &vb, &ob, None).unwrap();
        let mut rebinds = 0;
        for nkv in [70, 71, 72, 100, 101, 160, 161, 162, 299, 300] {
            if nkv > 70 {
                g.extend_kv(nkv).unwrap();
                if !plan.extend_kv(g.mask()).unwrap() {
                    bound = plan.bind(&qb, &kb, &vb, &ob, None).unwrap();
                    rebinds += 1;
                }
            }
            ctx.submit(|pass| bound.record(pass)).unwrap();
            let got: Vec<f32> = pollster::block_on(wgkernels::read_buffer(
                ctx,
                &ob,
                desc.q_len_elems() as usize,
            ))
            .unwrap();
            let now = desc.kv_len(nkv);
            let n = (nkv * d) as usize;
            let (want, _) = attention_ref(&now, Some(g.mask()), &qf, &kf[..n], &vf[..n], None);
            let err = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (*g as f64 - w).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-5, "nkv {nkv}: max abs error {err:.3e}");
            assert_eq!(plan.reads_mask(), !dense_kernel, "nkv {nkv}");
        }
        // The mask buffer grows with headroom: most steps write in place.
        assert!(rebinds <= 3, "{rebinds} rebinds over 9 extensions");
    }
}
