/*
 * pricebook.simulate._dupfind: the 64-bit values that occur more than once in an Arrow stream.
 *
 * Dedup must know which event ids repeat. DuckDB finds them by sorting hash(event_id) and comparing
 * neighbours; that sort costs as much as the whole scan + GROUP BY of the usage (20M events: 0.9 s of
 * 1.4 s; 100M: 6 s). Here DuckDB still reads the files and hashes the ids, and streams the hashes
 * (8 bytes per event, through the Arrow C stream interface: no Python object per event, no pyarrow)
 * into 256 buckets by their top bits, on a worker thread while DuckDB produces the next batch. Each
 * bucket is then split again by the next bits (in the CPU cache) and each part goes through a small
 * open-addressing set, half of the buckets on a second thread: ~0.1 s for 20M values.
 *
 *     repeated(capsule, max_items) -> (values read, bytes of the repeated values) | None
 *
 * (values read: the non-null ones)
 *
 * ``capsule`` is a PyCapsule "arrow_array_stream" of record batches with one UBIGINT/BIGINT column
 * (``DuckDBPyRelation.__arrow_c_stream__()``); it is consumed. Each repeated value appears once in the
 * result, as native-endian uint64. Nulls are skipped. More than ``max_items`` values: None (the caller
 * falls back to DuckDB, which spills to disk; this keeps every value in memory). A stream error
 * raises RuntimeError with the producer's message; a stream of another shape raises ValueError.
 *
 *     lines(bytes of uint64) -> b"v1\nv2\n..."
 *
 * writes those values as the decimal lines the caller hands to DuckDB's read_csv.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The Arrow C data interface, as its specification defines it. */
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};

#define BUCKET_BITS 8 /* 256 buckets: few enough write streams for the caches while adding */
#define NBUCKETS (1u << BUCKET_BITS)
#define SUB_BITS 8 /* a large bucket is split again by the next 8 bits before its sets */
#define NSUB (1u << SUB_BITS)
#define SMALL 4096 /* a bucket up to this size goes through one set */
#define CHUNK 8192 /* values per chunk (64 KiB): buckets grow without copying */

typedef struct Chunk {
    struct Chunk *next;
    size_t n;
    uint64_t v[CHUNK];
} Chunk;

typedef struct {
    Chunk *head, *last;
    size_t n;
} Bucket;

#define BLOCK_CHUNKS 256 /* chunks are carved from 16 MiB blocks mapped from the OS ... */

typedef struct Block {
    struct Block *next;
    size_t used, size;
} Block;

typedef struct {
    Bucket b[NBUCKETS];
    size_t total;
    Block *blocks; /* ... and unmapped at the end, so the memory goes back to the OS at once (freed
                    * chunks of malloc stayed in the worker thread's arena and carried into stage 2) */
} Buckets;

static Chunk *chunk_new(Buckets *bs) {
    Block *k = bs->blocks;
    if (!k || k->used == BLOCK_CHUNKS) {
        size_t size = sizeof(Block) + BLOCK_CHUNKS * sizeof(Chunk);
        void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED)
            return NULL;
        k = mem;
        k->next = bs->blocks;
        k->used = 0;
        k->size = size;
        bs->blocks = k;
    }
    Chunk *c = (Chunk *)((char *)(k + 1) + k->used++ * sizeof(Chunk));
    c->next = NULL;
    c->n = 0;
    return c;
}

static void buckets_free(Buckets *bs) {
    while (bs->blocks) {
        Block *next = bs->blocks->next;
        munmap(bs->blocks, bs->blocks->size);
        bs->blocks = next;
    }
    memset(bs->b, 0, sizeof bs->b);
}

/* Adds one batch's values; -1 when out of memory. Runs without the GIL. */
static int add_values(Buckets *bs, const uint64_t *data, const uint8_t *valid, int64_t off, int64_t len) {
    for (int64_t i = 0; i < len; i++) {
        int64_t j = off + i;
        if (valid && !((valid[j >> 3] >> (j & 7)) & 1))
            continue;
        uint64_t h = data[j];
        Bucket *b = &bs->b[h >> (64 - BUCKET_BITS)];
        Chunk *c = b->last;
        if (!c || c->n == CHUNK) {
            c = chunk_new(bs);
            if (!c)
                return -1;
            if (b->last)
                b->last->next = c;
            else
                b->head = c;
            b->last = c;
        }
        c->v[c->n++] = h;
        b->n++;
        bs->total++;
    }
    return 0;
}

typedef struct {
    uint64_t *v;
    size_t n, cap;
} Out;

static int out_push(Out *o, uint64_t h) {
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        uint64_t *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return -1;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = h;
    return 0;
}

/* An open-addressing set; state: 0 empty, 1 seen, 2 seen again (reported). A value's slot is its
 * product with 2^64 / golden ratio, top bits: every bit of the value counts, so values alike in
 * their low bits (crafted ids) do not pile up in one run of slots. */
typedef struct {
    uint64_t *keys;
    uint8_t *state;
    size_t cap, mask;
    int shift;
} Set;

static int set_reset(Set *s, size_t n) {
    size_t size = 16;
    while (size < 2 * n)
        size *= 2;
    if (size > s->cap) {
        uint64_t *k = realloc(s->keys, size * sizeof *k);
        if (!k)
            return -1;
        s->keys = k;
        uint8_t *st = realloc(s->state, size);
        if (!st)
            return -1;
        s->state = st;
        s->cap = size;
    }
    s->mask = size - 1;
    s->shift = 64;
    for (size_t z = size; z > 1; z >>= 1)
        s->shift--;
    memset(s->state, 0, size);
    return 0;
}

/* Inserts v[0..n): each value seen a second time goes to out, once. */
static int set_add(Set *s, const uint64_t *v, size_t n, Out *out) {
    for (size_t k = 0; k < n; k++) {
        uint64_t h = v[k];
        size_t i = (size_t)((h * 0x9E3779B97F4A7C15ull) >> s->shift);
        while (s->state[i] && s->keys[i] != h)
            i = (i + 1) & s->mask;
        if (!s->state[i]) {
            s->state[i] = 1;
            s->keys[i] = h;
        } else if (s->state[i] == 1) {
            s->state[i] = 2;
            if (out_push(out, h) < 0)
                return -1;
        }
    }
    return 0;
}

/* Every value of buckets [lo, hi) seen twice or more, once each, into out. */
static int find_repeats(Buckets *bs, size_t lo, size_t hi, Out *out) {
    size_t most = 0;
    for (size_t i = lo; i < hi; i++)
        if (bs->b[i].n > most)
            most = bs->b[i].n;
    Set set = {NULL, NULL, 0, 0, 64};
    uint64_t *scratch = most > SMALL ? malloc(most * sizeof *scratch) : NULL;
    int rc = most > SMALL && !scratch ? -1 : 0;
    for (size_t bi = lo; bi < hi && rc == 0; bi++) {
        Bucket *b = &bs->b[bi];
        if (b->n <= SMALL) {
            rc = set_reset(&set, b->n);
            for (Chunk *c = b->head; c && rc == 0; c = c->next)
                rc = set_add(&set, c->v, c->n, out);
        } else {
            /* split by the next bits into scratch, so that each set fits in the CPU cache */
            const int shift = 64 - BUCKET_BITS - SUB_BITS;
            size_t ends[NSUB + 1] = {0};
            for (Chunk *c = b->head; c; c = c->next)
                for (size_t k = 0; k < c->n; k++)
                    ends[((c->v[k] >> shift) & (NSUB - 1)) + 1]++;
            for (size_t j = 1; j <= NSUB; j++)
                ends[j] += ends[j - 1];
            size_t at[NSUB];
            memcpy(at, ends, sizeof at);
            for (Chunk *c = b->head; c; c = c->next)
                for (size_t k = 0; k < c->n; k++)
                    scratch[at[(c->v[k] >> shift) & (NSUB - 1)]++] = c->v[k];
            for (size_t j = 0; j < NSUB && rc == 0; j++) {
                rc = set_reset(&set, ends[j + 1] - ends[j]);
                if (rc == 0)
                    rc = set_add(&set, scratch + ends[j], ends[j + 1] - ends[j], out);
            }
        }
    }
    free(set.keys);
    free(set.state);
    free(scratch);
    return rc;
}

/* Half of the buckets, searched by a second thread. */
typedef struct {
    Buckets *bs;
    Out out;
    int rc;
} Half;

static void *run_half(void *arg) {
    Half *h = arg;
    h->rc = find_repeats(h->bs, NBUCKETS / 2, NBUCKETS, &h->out);
    return NULL;
}

/* find_repeats over all buckets, on two threads (one where a thread cannot be started). */
static int find_all(Buckets *bs, Out *out) {
    Half half = {bs, {NULL, 0, 0}, 0};
    pthread_t tid;
    if (pthread_create(&tid, NULL, run_half, &half) != 0)
        return find_repeats(bs, 0, NBUCKETS, out);
    int rc = find_repeats(bs, 0, NBUCKETS / 2, out);
    pthread_join(tid, NULL);
    for (size_t k = 0; k < half.out.n && rc == 0 && half.rc == 0; k++)
        rc = out_push(out, half.out.v[k]);
    free(half.out.v);
    return rc < 0 || half.rc < 0 ? -1 : 0;
}

/* One batch being added by a worker thread (or inline where no thread could be started). */
typedef struct {
    Buckets *bs;
    struct ArrowArray arr;
    int rc, threaded;
    pthread_t tid;
} Job;

static void *run_job(void *arg) {
    Job *job = arg;
    struct ArrowArray *col = job->arr.children[0];
    const uint64_t *data = col->buffers[1];
    const uint8_t *valid = col->null_count == 0 ? NULL : col->buffers[0];
    if (job->arr.length > 0 && data)
        job->rc = add_values(job->bs, data, valid, col->offset + job->arr.offset, job->arr.length);
    return NULL;
}

static void start(Job *job) {
    job->threaded = pthread_create(&job->tid, NULL, run_job, job) == 0;
    if (!job->threaded)
        run_job(job);
}

/* Waits for the batch and releases it. Called without the GIL: releasing a batch runs no Python. */
static void finish(Job *job) {
    if (job->threaded)
        pthread_join(job->tid, NULL);
    job->arr.release(&job->arr);
}

static PyObject *stream_error(struct ArrowArrayStream *st, int code) {
    const char *msg = st->get_last_error ? st->get_last_error(st) : NULL;
    if (msg && *msg)
        PyErr_SetString(PyExc_RuntimeError, msg);
    else
        PyErr_Format(PyExc_RuntimeError, "the Arrow stream failed (error %d)", code);
    return NULL;
}

static const char SHAPE_ERROR[] = "expected record batches of one 64-bit integer column";

/* The one column's values: a struct with one 64-bit integer child. */
static int check_schema(struct ArrowArrayStream *st) {
    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    int code = st->get_schema(st, &schema);
    if (code != 0) {
        stream_error(st, code);
        return -1;
    }
    int ok = schema.format && strcmp(schema.format, "+s") == 0 && schema.n_children == 1 &&
             schema.children[0]->format &&
             (strcmp(schema.children[0]->format, "L") == 0 || strcmp(schema.children[0]->format, "l") == 0);
    if (schema.release)
        schema.release(&schema);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, SHAPE_ERROR);
        return -1;
    }
    return 0;
}

static PyObject *repeated(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *capsule;
    Py_ssize_t max_items;
    if (!PyArg_ParseTuple(args, "On", &capsule, &max_items))
        return NULL;
    if (max_items < 0) {
        PyErr_SetString(PyExc_ValueError, "max_items must not be negative");
        return NULL;
    }
    struct ArrowArrayStream *src = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (!src)
        return NULL;
    if (!src->release) {
        PyErr_SetString(PyExc_ValueError, "the Arrow stream was already consumed");
        return NULL;
    }
    struct ArrowArrayStream st = *src; /* moved: the capsule's destructor no longer releases it */
    src->release = NULL;

    PyObject *result = NULL;
    Out out = {NULL, 0, 0};
    Job job;
    int busy = 0;
    Buckets *bs = calloc(1, sizeof *bs);
    if (!bs) {
        PyErr_NoMemory();
        goto done;
    }
    if (check_schema(&st) < 0)
        goto done;
    /* A worker thread adds batch k while this thread asks DuckDB for batch k + 1. */
    for (;;) {
        struct ArrowArray arr;
        memset(&arr, 0, sizeof arr);
        int code = st.get_next(&st, &arr);
        if (busy) {
            Py_BEGIN_ALLOW_THREADS
            finish(&job);
            Py_END_ALLOW_THREADS
            busy = 0;
            if (job.rc < 0) {
                if (code == 0 && arr.release)
                    arr.release(&arr);
                PyErr_NoMemory();
                goto done;
            }
            if (bs->total > (size_t)max_items) {
                if (code == 0 && arr.release)
                    arr.release(&arr);
                result = Py_None;
                Py_INCREF(result);
                goto done;
            }
        }
        if (code != 0) {
            stream_error(&st, code);
            goto done;
        }
        if (!arr.release)
            break; /* end of stream */
        if (PyErr_CheckSignals() < 0) { /* Ctrl-C between batches */
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            arr.release(&arr);
            PyErr_Restore(et, ev, tb);
            goto done;
        }
        if (arr.n_children != 1 || arr.children[0]->n_buffers < 2) {
            arr.release(&arr);
            PyErr_SetString(PyExc_ValueError, SHAPE_ERROR);
            goto done;
        }
        job.bs = bs;
        job.arr = arr;
        job.rc = 0;
        start(&job);
        busy = 1;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = find_all(bs, &out);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("(ny#)", (Py_ssize_t)bs->total, out.v ? (const char *)out.v : "",
                           (Py_ssize_t)(out.n * sizeof(uint64_t)));
done:;
    /* the producer's release callbacks run with no exception set (one written in Python would fail) */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    if (busy) {
        Py_BEGIN_ALLOW_THREADS
        finish(&job);
        Py_END_ALLOW_THREADS
    }
    if (bs) {
        buckets_free(bs);
        free(bs);
    }
    free(out.v);
    if (st.release)
        st.release(&st);
    PyErr_Restore(et, ev, tb);
    return result;
}

/* lines(bytes of native uint64) -> b"v1\nv2\n...": the repeated values as the text DuckDB's read_csv
 * reads back (Python's str() per value cost 2.3 s for 5M values). */
static PyObject *lines(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer raw;
    if (!PyArg_ParseTuple(args, "y*", &raw))
        return NULL;
    Py_ssize_t n = raw.len / (Py_ssize_t)sizeof(uint64_t);
    PyObject *text = PyBytes_FromStringAndSize(NULL, n * 21);
    if (!text) {
        PyBuffer_Release(&raw);
        return NULL;
    }
    char *w = PyBytes_AS_STRING(text), *start = w;
    const unsigned char *src = raw.buf;
    for (Py_ssize_t k = 0; k < n; k++) {
        uint64_t v;
        memcpy(&v, src + k * sizeof v, sizeof v);
        char digits[20];
        int d = 0;
        do {
            digits[d++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (d)
            *w++ = digits[--d];
        *w++ = '\n';
    }
    PyBuffer_Release(&raw);
    if (_PyBytes_Resize(&text, w - start) < 0)
        return NULL;
    return text;
}

static PyMethodDef methods[] = {
    {"lines", lines, METH_VARARGS, "lines(bytes of native uint64) -> bytes of decimal lines"},
    {"repeated", repeated, METH_VARARGS,
     "repeated(arrow_array_stream_capsule, max_items) -> (count, bytes of repeated uint64) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_dupfind", NULL, -1, methods};

PyMODINIT_FUNC PyInit__dupfind(void) { return PyModule_Create(&module); }
