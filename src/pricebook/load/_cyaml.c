/* pricebook.load._cyaml: the common case of reading a catalog file, in C.
 *
 * parse(data, plain_value) reads one YAML document with libyaml's event parser and builds what
 * yamlsrc._Constructor builds from PyYAML's nodes: plain data (dict, list, str, and whatever
 * plain_value(text) makes of a plain scalar: Decimal, bool, None or str) and the position of every
 * node. Positions are rarely looked at (a finding needs a few), so they are returned compactly:
 * a list with the last step of each node's path (a key or an index) and bytes holding, per node,
 * its parent's number (-1 at the top), line and column (1-based) as three int32. expand(file,
 * keys, records) turns them into yamlsrc's {path tuple: (file, line, column)} when one is needed.
 *
 * It handles only documents with nothing unusual in them and returns None for everything else,
 * so that the Python reader (which reports findings) reads those: a syntax error, more than one
 * document, an anchor or alias, a tag, a merge key, a duplicate key, a collection used as a key,
 * nesting deeper than MAX_DEPTH. What it returns for the rest is equal to what the Python reader
 * returns (tests/load/test_cyaml.py compares both on every catalog of the test suite, the real
 * pricings of shared/data and generated documents).
 *
 * Scalars repeat (keys, currencies, models, amounts): each distinct text becomes one object,
 * found again through a hash table keyed by its bytes, so neither the str nor plain_value's
 * result is made twice.
 *
 * libyaml runs with the GIL released (its events are kept, then turned into objects with the GIL),
 * so two threads reading two files overlap: one parses while the other builds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <yaml.h>
#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 400

/* ---- a table of distinct scalar texts: bytes -> object ------------------------------------ */

typedef struct {
    char *text; /* owned copy, NUL-terminated */
    size_t len;
    size_t hash;
    PyObject *value; /* owned */
} Slot;

typedef struct {
    Slot *slots;
    size_t cap; /* a power of two */
    size_t used;
} Table;

static size_t hash_bytes(const unsigned char *p, size_t n) {
    size_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int table_init(Table *t) {
    t->cap = 1024;
    t->used = 0;
    t->slots = PyMem_Calloc(t->cap, sizeof(Slot));
    return t->slots ? 0 : -1;
}

static void table_free(Table *t) {
    if (!t->slots)
        return;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i].text) {
            PyMem_Free(t->slots[i].text);
            Py_XDECREF(t->slots[i].value);
        }
    }
    PyMem_Free(t->slots);
    t->slots = NULL;
}

static Slot *table_find(Table *t, const unsigned char *p, size_t n, size_t h) {
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        Slot *s = &t->slots[i];
        if (!s->text || (s->hash == h && s->len == n && memcmp(s->text, p, n) == 0))
            return s;
    }
}

static int table_grow(Table *t) {
    Slot *old = t->slots;
    size_t old_cap = t->cap;
    t->cap *= 2;
    t->slots = PyMem_Calloc(t->cap, sizeof(Slot));
    if (!t->slots) {
        t->slots = old;
        t->cap = old_cap;
        return -1;
    }
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].text) {
            Slot *s = table_find(t, (const unsigned char *)old[i].text, old[i].len, old[i].hash);
            *s = old[i];
        }
    }
    PyMem_Free(old);
    return 0;
}

/* The object for a scalar's text: from the table, or made (a str, or plain_value(str)) and kept.
 * Returns a borrowed reference, or NULL with an exception set. */
static PyObject *intern_scalar(Table *t, const unsigned char *p, size_t n, PyObject *plain_value) {
    size_t h = hash_bytes(p, n);
    Slot *s = table_find(t, p, n, h);
    if (s->text)
        return s->value;
    PyObject *text = PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "strict");
    if (!text)
        return NULL;
    PyObject *value = text;
    if (plain_value) {
        value = PyObject_CallOneArg(plain_value, text);
        Py_DECREF(text);
        if (!value)
            return NULL;
    }
    char *copy = PyMem_Malloc(n + 1);
    if (!copy) {
        Py_DECREF(value);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, p, n);
    copy[n] = 0;
    s->text = copy;
    s->len = n;
    s->hash = h;
    s->value = value;
    t->used++;
    if (t->used * 2 > t->cap) {
        if (table_grow(t) < 0) {
            PyErr_NoMemory();
            return NULL;
        }
        /* the slot moved; the value did not */
    }
    return value;
}

/* ---- the parse ------------------------------------------------------------------------------ */

typedef struct {
    PyObject *container; /* dict or list, borrowed from its parent (or the root reference) */
    int32_t node;        /* the container's own node number (-1: the document) */
    PyObject *key;       /* a dict's key waiting for its value, owned, or NULL */
    int32_t key_node;    /* that key's node number */
    Py_ssize_t index;    /* a list's next index */
    int is_map;
} Frame;

typedef struct {
    PyObject *steps;     /* list: each node's last path step */
    int32_t *records;    /* per node: parent, line, column */
    size_t count, cap;
    Table texts;         /* keys and quoted scalars: str */
    Table plains;        /* plain scalars: plain_value(str) */
    PyObject *plain_value;
    PyObject *unsupported; /* what plain_value returns for a scalar it has no value for */
    Frame stack[MAX_DEPTH];
    int depth;
} State;

/* 1 = not for us (the Python reader takes it), 0 = ok, -1 = Python error */
enum { OK = 0, DECLINE = 1, FAIL = -1 };

/* A new node under `parent`, reached by `step`: its number, or -1 with an exception set. */
static int32_t record(State *st, int32_t parent, PyObject *step, yaml_mark_t mark) {
    if (st->count >= 0x7fffffff) {
        PyErr_SetString(PyExc_OverflowError, "too many nodes");
        return -1;
    }
    if (st->count == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 4096;
        int32_t *grown = PyMem_Realloc(st->records, cap * 3 * sizeof(int32_t));
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        st->records = grown;
        st->cap = cap;
    }
    if (PyList_Append(st->steps, step) < 0)
        return -1;
    int32_t *r = &st->records[st->count * 3];
    r[0] = parent;
    r[1] = (int32_t)(mark.line + 1 > 0x7fffffff ? 0x7fffffff : mark.line + 1);
    r[2] = (int32_t)(mark.column + 1 > 0x7fffffff ? 0x7fffffff : mark.column + 1);
    return (int32_t)st->count++;
}

/* Put a value into the collection on top of the stack. *node receives the value's node number
 * when node is not NULL: a collection's items are recorded under it. */
static int attach(State *st, PyObject *value, yaml_mark_t mark, PyObject **root, int32_t *node) {
    if (st->depth == 0) {
        if (*root)
            return DECLINE; /* cannot happen within one document */
        Py_INCREF(value);
        *root = value;
        if (node)
            *node = -1;
        return OK;
    }
    Frame *top = &st->stack[st->depth - 1];
    if (top->is_map) {
        if (!top->key)
            return DECLINE; /* a collection as a key */
        if (PyDict_SetItem(top->container, top->key, value) < 0)
            return FAIL;
        Py_CLEAR(top->key);
        if (node)
            *node = top->key_node;
        return OK;
    }
    PyObject *index = PyLong_FromSsize_t(top->index++);
    if (!index)
        return FAIL;
    int32_t n = record(st, top->node, index, mark);
    Py_DECREF(index);
    if (n < 0 || PyList_Append(top->container, value) < 0)
        return FAIL;
    if (node)
        *node = n;
    return OK;
}

static int on_scalar(State *st, yaml_event_t *ev, PyObject **root) {
    const unsigned char *p = ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; /* anchors and tags: see collect */
    if (plain && n == 2 && p[0] == '<' && p[1] == '<')
        return DECLINE; /* a merge key, or the merge tag as a value: the Python reader's business */
    if (st->depth > 0 && st->stack[st->depth - 1].is_map && !st->stack[st->depth - 1].key) {
        /* a key: its text, whatever it looks like */
        Frame *top = &st->stack[st->depth - 1];
        PyObject *key = intern_scalar(&st->texts, p, n, NULL);
        if (!key)
            return FAIL;
        int has = PyDict_Contains(top->container, key);
        if (has != 0)
            return has < 0 ? FAIL : DECLINE; /* a duplicate key is a finding */
        int32_t node = record(st, top->node, key, ev->start_mark);
        if (node < 0)
            return FAIL;
        Py_INCREF(key);
        top->key = key;
        top->key_node = node;
        return OK;
    }
    PyObject *value = plain ? intern_scalar(&st->plains, p, n, st->plain_value)
                            : intern_scalar(&st->texts, p, n, NULL);
    if (!value)
        return FAIL;
    if (value == st->unsupported)
        return DECLINE; /* a scalar plain_value has no value for: the Python reader reports it */
    return attach(st, value, ev->start_mark, root, NULL);
}

static int on_start(State *st, yaml_event_t *ev, PyObject **root, int is_map) {
    if (st->depth >= MAX_DEPTH) /* anchors and tags were declined by collect */
        return DECLINE;
    PyObject *container = is_map ? PyDict_New() : PyList_New(0);
    if (!container)
        return FAIL;
    int32_t node = -1;
    int rc = attach(st, container, ev->start_mark, root, &node);
    Py_DECREF(container); /* the parent (or root) holds it now */
    if (rc != OK)
        return rc;
    Frame *f = &st->stack[st->depth++];
    f->container = container;
    f->node = node;
    f->key = NULL;
    f->key_node = -1;
    f->index = 0;
    f->is_map = is_map;
    return OK;
}

static void pop_frame(State *st) {
    Frame *f = &st->stack[--st->depth];
    Py_CLEAR(f->key);
}

/* ---- libyaml's events, collected without the GIL --------------------------------------------- */

enum { NOMEM = -2 };

typedef struct {
    yaml_event_t *items;
    size_t count, cap;
} Events;

static void events_free(Events *e) {
    for (size_t i = 0; i < e->count; i++)
        yaml_event_delete(&e->items[i]);
    PyMem_RawFree(e->items);
    e->items = NULL;
    e->count = e->cap = 0;
}

/* Every event of one document: OK, DECLINE (a syntax error, more than one document, an alias,
 * anchor or tag: the Python reader's business) or NOMEM. Runs without the GIL: no Python here. */
static int collect(const unsigned char *buf, size_t len, Events *out) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return NOMEM;
    /* no encoding set: libyaml detects it (UTF-8, the bytes were checked) and, like PyYAML's
     * parser, skips a byte order mark there */
    yaml_parser_set_input_string(&parser, buf, len);
    int rc = OK, documents = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = DECLINE;
            break;
        }
        int unusual = 0;
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            unusual = ++documents > 1;
            break;
        case YAML_ALIAS_EVENT:
            unusual = 1;
            break;
        case YAML_SCALAR_EVENT:
            unusual = ev.data.scalar.anchor || ev.data.scalar.tag;
            break;
        case YAML_SEQUENCE_START_EVENT:
            unusual = ev.data.sequence_start.anchor || ev.data.sequence_start.tag;
            break;
        case YAML_MAPPING_START_EVENT:
            unusual = ev.data.mapping_start.anchor || ev.data.mapping_start.tag;
            break;
        default:
            break;
        }
        if (unusual) {
            yaml_event_delete(&ev);
            rc = DECLINE;
            break;
        }
        if (out->count == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 1024;
            yaml_event_t *grown = PyMem_RawRealloc(out->items, cap * sizeof(yaml_event_t));
            if (!grown) {
                yaml_event_delete(&ev);
                rc = NOMEM;
                break;
            }
            out->items = grown;
            out->cap = cap;
        }
        int end = ev.type == YAML_STREAM_END_EVENT;
        out->items[out->count++] = ev; /* the event's strings move with it */
        if (end)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

static PyObject *cyaml_parse(PyObject *self, PyObject *args) {
    Py_buffer data;
    PyObject *plain_value, *unsupported = NULL;
    if (!PyArg_ParseTuple(args, "y*O|O:parse", &data, &plain_value, &unsupported))
        return NULL;
    State *st = PyMem_Calloc(1, sizeof(State));
    if (!st) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    st->plain_value = plain_value;
    st->unsupported = unsupported;
    st->steps = PyList_New(0);
    PyObject *root = NULL, *out = NULL;
    int rc = OK;
    Events events = {NULL, 0, 0};
    if (!st->steps || table_init(&st->texts) < 0 || table_init(&st->plains) < 0) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        rc = FAIL;
        goto end;
    }
    /* libyaml runs without the GIL (another thread may build its objects meanwhile); the events
     * are kept, then turned into objects with the GIL */
    Py_BEGIN_ALLOW_THREADS
    rc = collect(data.buf, (size_t)data.len, &events);
    Py_END_ALLOW_THREADS
    if (rc == NOMEM) {
        PyErr_NoMemory();
        rc = FAIL;
    }
    for (size_t i = 0; rc == OK && i < events.count; i++) {
        yaml_event_t *ev = &events.items[i];
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
            rc = on_scalar(st, ev, &root);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(st, ev, &root, 0);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(st, ev, &root, 1);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (st->depth > 0)
                pop_frame(st);
            break;
        default:
            break;
        }
    }
    if (rc == OK) {
        PyObject *data_obj = root ? root : Py_None;
        PyObject *records = PyBytes_FromStringAndSize((const char *)st->records,
                                                      (Py_ssize_t)(st->count * 3 * sizeof(int32_t)));
        if (records) {
            out = PyTuple_Pack(3, data_obj, st->steps, records);
            Py_DECREF(records);
        }
    }
end:
    while (st->depth > 0)
        pop_frame(st);
    events_free(&events);
    table_free(&st->texts);
    table_free(&st->plains);
    Py_XDECREF(root);
    Py_XDECREF(st->steps);
    PyMem_Free(st->records);
    PyMem_Free(st);
    PyBuffer_Release(&data);
    if (rc == DECLINE) {
        Py_RETURN_NONE;
    }
    return out; /* NULL with an exception when rc == FAIL */
}

/* expand(file, steps, records) -> {path: (file, line, column)} */
static PyObject *cyaml_expand(PyObject *self, PyObject *args) {
    PyObject *file, *step_list, *steps;
    Py_buffer rec;
    if (!PyArg_ParseTuple(args, "UO!y*:expand", &file, &PyList_Type, &step_list, &rec))
        return NULL;
    steps = PyList_AsTuple(step_list); /* a copy: hashing a step must not be able to change it */
    if (!steps) {
        PyBuffer_Release(&rec);
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(steps);
    if (rec.len != (Py_ssize_t)(n * 3 * sizeof(int32_t))) {
        Py_DECREF(steps);
        PyBuffer_Release(&rec);
        PyErr_SetString(PyExc_ValueError, "positions do not match their paths");
        return NULL;
    }
    const int32_t *r = rec.buf;
    PyObject **paths = PyMem_Calloc(n ? (size_t)n : 1, sizeof(PyObject *));
    PyObject *out = PyDict_New();
    PyObject *empty = PyTuple_New(0);
    Py_ssize_t i = 0;
    if (!paths || !out || !empty) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto fail;
    }
    for (; i < n; i++) {
        int32_t parent = r[i * 3];
        if (parent < -1 || parent >= i) {
            PyErr_SetString(PyExc_ValueError, "a position's parent comes after it");
            goto fail;
        }
        PyObject *base = parent < 0 ? empty : paths[parent];
        Py_ssize_t len = PyTuple_GET_SIZE(base);
        PyObject *path = PyTuple_New(len + 1);
        if (!path)
            goto fail;
        for (Py_ssize_t j = 0; j < len; j++) {
            PyObject *x = PyTuple_GET_ITEM(base, j);
            Py_INCREF(x);
            PyTuple_SET_ITEM(path, j, x);
        }
        PyObject *step = PyTuple_GET_ITEM(steps, i);
        Py_INCREF(step);
        PyTuple_SET_ITEM(path, len, step);
        paths[i] = path;
        PyObject *pos = Py_BuildValue("(Oii)", file, (int)r[i * 3 + 1], (int)r[i * 3 + 2]);
        if (!pos || PyDict_SetItem(out, path, pos) < 0) {
            Py_XDECREF(pos);
            i++;
            goto fail;
        }
        Py_DECREF(pos);
    }
    for (Py_ssize_t j = 0; j < n; j++)
        Py_DECREF(paths[j]);
    PyMem_Free(paths);
    Py_DECREF(empty);
    Py_DECREF(steps);
    PyBuffer_Release(&rec);
    return out;
fail:
    if (paths) {
        for (Py_ssize_t j = 0; j < i && j < n; j++)
            Py_XDECREF(paths[j]);
        PyMem_Free(paths);
    }
    Py_XDECREF(out);
    Py_XDECREF(empty);
    Py_DECREF(steps);
    PyBuffer_Release(&rec);
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse", cyaml_parse, METH_VARARGS,
     "parse(data: bytes, plain_value, unsupported=None) -> (data, steps, records) | None\n\n"
     "One YAML document as plain data and compact positions, or None when the Python reader must\n"
     "read it."},
    {"expand", cyaml_expand, METH_VARARGS,
     "expand(file: str, steps: list, records: bytes) -> {path: (file, line, column)}"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cyaml", "The common case of reading a catalog file, in C (libyaml).", -1, methods,
};

PyMODINIT_FUNC PyInit__cyaml(void) { return PyModule_Create(&module); }
