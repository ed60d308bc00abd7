/* One pass in C over the lexbor DOM that selectolax built, picking the few elements that
 * discovery has to look at. Python (detectors.inspect) stays the only judge: this pass
 * mirrors inspect's cheap early returns so that the other 99% of elements never become
 * Python objects. Everything it knows (tag groups, attribute names, hint literals) is
 * handed over by archiver/discover/prefilter.py through configure().
 *
 * Lexbor is not linked here: the two functions needed (names of tags and attributes) are
 * looked up in selectolax's own extension module, already loaded, with dlopen(RTLD_NOLOAD)
 * and dlsym. Nodes and attributes are read through the struct layouts that selectolax's
 * lexbor.pxd declares; prefilter.py checks this walk against selectolax's own API before
 * trusting it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

/* ---- lexbor, as far as we use it ---------------------------------------------------- */

typedef struct lxb_node lxb_node;
typedef struct {
    unsigned char *data;
    size_t length;
} lx_str;
struct lxb_node {                 /* lxb_dom_node_t */
    void *events;
    uintptr_t local_name;         /* tag id of an element, name id of an attribute */
    uintptr_t prefix, ns;
    void *owner_document;
    lxb_node *next, *prev, *parent, *first_child, *last_child;
    void *user;
    int type;
};
typedef struct {                  /* lxb_dom_character_data_t */
    lxb_node node;
    lx_str data;
} lx_character_data;
typedef struct lx_attr lx_attr;
struct lx_attr {                  /* lxb_dom_attr_t */
    lxb_node node;
    uintptr_t upper_name, qualified_name;
    lx_str *value;
    void *owner;
    lx_attr *next, *prev;
};

enum { NODE_ELEMENT = 1, NODE_TEXT = 3 };

typedef unsigned int (*serialize_cb)(const unsigned char *data, size_t len, void *ctx);
static struct {
    const unsigned char *(*element_name)(void *, size_t *);
    lx_attr *(*first_attr)(void *);
    const unsigned char *(*attr_name)(void *, size_t *);
    const unsigned char *(*element_local_name)(void *, size_t *);
    const unsigned char *(*attr_local_name)(void *, size_t *);
    unsigned int (*serialize_tree)(void *node, serialize_cb cb, void *ctx);
    int bound;
} lx;

static const unsigned char *attr_value(const lx_attr *attr, size_t *len) {
    if (!attr->value || !attr->value->data) { *len = 0; return NULL; }
    *len = attr->value->length;
    return attr->value->data;
}

/* ---- small sets of byte strings ------------------------------------------------------ */

typedef struct {
    PyObject **slots;   /* bytes objects, NULL = empty */
    size_t mask;
} name_set;

static uint32_t hash_bytes(const unsigned char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}

static void set_clear(name_set *set) {
    if (set->slots) {
        for (size_t i = 0; i <= set->mask; i++) Py_XDECREF(set->slots[i]);
        PyMem_Free(set->slots);
    }
    set->slots = NULL;
    set->mask = 0;
}

static int set_contains(const name_set *set, const unsigned char *s, size_t n) {
    if (!set->slots) return 0;
    size_t i = hash_bytes(s, n) & set->mask;
    for (;;) {
        PyObject *item = set->slots[i];
        if (!item) return 0;
        if ((size_t)PyBytes_GET_SIZE(item) == n && memcmp(PyBytes_AS_STRING(item), s, n) == 0) return 1;
        i = (i + 1) & set->mask;
    }
}

/* Fill from a sequence of str (encoded UTF-8). */
static int set_fill(name_set *set, PyObject *iterable) {
    PyObject *items = PySequence_Fast(iterable, "expected a sequence of names");
    if (!items) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    size_t size = 8;
    while (size < (size_t)n * 4) size <<= 1;
    set_clear(set);
    set->slots = PyMem_Calloc(size, sizeof(PyObject *));
    if (!set->slots) { Py_DECREF(items); PyErr_NoMemory(); return -1; }
    set->mask = size - 1;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *encoded = PyUnicode_AsUTF8String(PySequence_Fast_GET_ITEM(items, k));
        if (!encoded) { Py_DECREF(items); return -1; }
        const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(encoded);
        size_t len = (size_t)PyBytes_GET_SIZE(encoded);
        if (set_contains(set, s, len)) { Py_DECREF(encoded); continue; }
        size_t i = hash_bytes(s, len) & set->mask;
        while (set->slots[i]) i = (i + 1) & set->mask;
        set->slots[i] = encoded;
    }
    Py_DECREF(items);
    return 0;
}

/* ---- literal search: which of a few needles does a buffer contain? -------------------
 * Each needle is anchored at its rarest pair of adjacent bytes (by a rough table of how
 * common bytes are in markup and scripts), so that few positions of a text are candidates:
 * a position is one when its byte and the next are some needle's anchor pair (two table
 * lookups, or 32 positions at once with AVX2), and the needle is then compared where it
 * would start. A folding needle (given in lower case) matches ASCII letters of either case. */

#define MAX_NEEDLES 63
#define NEEDLES_LOOKED ((uint64_t)1 << 63)  /* in a script's mask: the text was searched */
typedef struct {
    PyObject *owned[MAX_NEEDLES];
    const unsigned char *text[MAX_NEEDLES];
    size_t len[MAX_NEEDLES];
    size_t anchor[MAX_NEEDLES];      /* offset of the anchor pair in the needle */
    unsigned char fold[MAX_NEEDLES];
    PyObject *follows[MAX_NEEDLES];  /* tuple of bytes: what must come right after (NULL: anything) */
    int count;
    uint64_t all;
    uint64_t by_first[256];          /* bit k set: needle k's anchor pair starts with this byte */
    uint64_t by_second[256];         /* ... and goes on with this one (any byte for 1-byte needles) */
    struct anchor_set {              /* the anchors of a set of needles, each once (for AVX2) */
        unsigned char pair[MAX_NEEDLES][2], single[MAX_NEEDLES];
        int exact, folded, singles, singles_folded;  /* exact ones first, then folding ones */
    } anchors;                       /* of all the needles */
} needle_list;

/* The anchors of the needles in `active`, deduplicated; folding ones with the 0x20 bit set. */
static void anchor_set_of(const needle_list *list, uint64_t active, struct anchor_set *set) {
    int count[2][2] = {{0, 0}, {0, 0}};  /* [pair or single][exact or folding] */
    unsigned char pairs[2][MAX_NEEDLES][2], singles[2][MAX_NEEDLES];
    for (uint64_t bits = active; bits; bits &= bits - 1) {
        int k = __builtin_ctzll(bits), f = list->fold[k] ? 1 : 0;
        unsigned char mask = f ? 0x20 : 0;
        const unsigned char *at = list->text[k] + list->anchor[k];
        int seen = 0;
        if (list->len[k] == 1) {
            for (int j = 0; j < count[1][f]; j++) seen |= singles[f][j] == (at[0] | mask);
            if (!seen) singles[f][count[1][f]++] = at[0] | mask;
            continue;
        }
        for (int j = 0; j < count[0][f]; j++)
            seen |= pairs[f][j][0] == (at[0] | mask) && pairs[f][j][1] == (at[1] | mask);
        if (!seen) {
            pairs[f][count[0][f]][0] = at[0] | mask;
            pairs[f][count[0][f]++][1] = at[1] | mask;
        }
    }
    memcpy(set->pair, pairs[0], sizeof pairs[0][0] * (size_t)count[0][0]);
    memcpy(set->pair + count[0][0], pairs[1], sizeof pairs[1][0] * (size_t)count[0][1]);
    memcpy(set->single, singles[0], (size_t)count[1][0]);
    memcpy(set->single + count[1][0], singles[1], (size_t)count[1][1]);
    set->exact = count[0][0];
    set->folded = count[0][1];
    set->singles = count[1][0];
    set->singles_folded = count[1][1];
}

static unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

/* How rare a byte is in web pages and their scripts: its place in this list, most common
 * first; bytes not listed are rarer than all of these (only the order matters). */
static int rarity(unsigned char c) {
    static const char common[] = " etaoinsrlc\"d.u/pm:h,=-_f(g)01bv2y;w<>34k59678x{}'[]\n\tASECTIDRNMOPLB&jFq#?%zUHGW!V"
                                 "Y@KXJQZ|$^~+*`\\\r";
    if (c >= 0x80) return 40;  /* UTF-8 text of other languages */
    const char *at = memchr(common, c, sizeof common - 1);
    return at ? (int)(at - common) : (int)sizeof common;
}

static void needles_clear(needle_list *list) {
    for (int k = 0; k < list->count; k++) {
        Py_CLEAR(list->owned[k]);
        Py_CLEAR(list->follows[k]);
    }
    memset(list, 0, sizeof *list);
}

static void mark_byte(uint64_t *table, unsigned char c, int fold, uint64_t bit) {
    table[c] |= bit;
    if (fold && c >= 'a' && c <= 'z') table[c - 32] |= bit;
}

/* Add needles (str, UTF-8 encoded; lower case when folding) to a list. */
static int needles_add(needle_list *list, PyObject *iterable, int fold) {
    PyObject *items = PySequence_Fast(iterable, "expected a sequence of literals");
    if (!items) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    if (list->count + n > MAX_NEEDLES) {
        Py_DECREF(items);
        PyErr_Format(PyExc_ValueError, "at most %d literals", MAX_NEEDLES);
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *encoded = PyUnicode_AsUTF8String(PySequence_Fast_GET_ITEM(items, k));
        if (!encoded) { Py_DECREF(items); return -1; }
        size_t len = (size_t)PyBytes_GET_SIZE(encoded);
        if (len == 0) {
            Py_DECREF(encoded);
            Py_DECREF(items);
            PyErr_SetString(PyExc_ValueError, "empty literal");
            return -1;
        }
        const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(encoded);
        int i = list->count++;
        list->owned[i] = encoded;
        list->text[i] = s;
        list->len[i] = len;
        list->fold[i] = (unsigned char)fold;
        size_t best = 0;
        for (size_t at = 1; at + 1 < len; at++)
            if (rarity(s[at]) + rarity(s[at + 1]) > rarity(s[best]) + rarity(s[best + 1])) best = at;
        list->anchor[i] = best;
        uint64_t bit = (uint64_t)1 << i;
        mark_byte(list->by_first, s[best], fold, bit);
        if (len == 1) {
            for (unsigned c = 0; c < 256; c++) list->by_second[c] |= bit;
        } else {
            mark_byte(list->by_second, s[best + 1], fold, bit);
        }
    }
    list->all = ((uint64_t)1 << list->count) - 1;
    anchor_set_of(list, list->all, &list->anchors);
    Py_DECREF(items);
    return 0;
}

static int needles_fill(needle_list *list, PyObject *iterable, int fold) {
    needles_clear(list);
    return needles_add(list, iterable, fold);
}

static int same(const unsigned char *s, const unsigned char *needle, size_t len, int fold) {
    if (!fold) return memcmp(s, needle, len) == 0;
    for (size_t i = 0; i < len; i++)
        if (lower(s[i]) != needle[i]) return 0;
    return 1;
}

/* Follows: what must come right after an occurrence for it to count. Byte 1 stands for
 * each of the slash forms, 2 for either quote, 3 for a word character (ASCII letter,
 * digit or underscore, or any non-ASCII byte: a superset of Python's \w). */
enum { FOLLOW_SLASH = 1, FOLLOW_QUOTE = 2, FOLLOW_WORD = 3 };
static PyObject *slash_forms;  /* tuple of bytes */

static int follow_at(const unsigned char *f, size_t flen, const unsigned char *s, size_t n, size_t q) {
    for (size_t k = 0; k < flen; k++) {
        unsigned char c = f[k];
        if (c == FOLLOW_SLASH) {
            for (Py_ssize_t j = 0; slash_forms && j < PyTuple_GET_SIZE(slash_forms); j++) {
                PyObject *form = PyTuple_GET_ITEM(slash_forms, j);
                size_t len = (size_t)PyBytes_GET_SIZE(form);
                if (len <= n - q && memcmp(s + q, PyBytes_AS_STRING(form), len) == 0
                    && follow_at(f + k + 1, flen - k - 1, s, n, q + len))
                    return 1;
            }
            return 0;
        }
        if (q >= n) return 0;
        unsigned char b = s[q++];
        if (c == FOLLOW_QUOTE) {
            if (b != '"' && b != '\'') return 0;
        } else if (c == FOLLOW_WORD) {
            if (!(b >= 0x80 || b == '_' || (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))) return 0;
        } else if (b != c) {
            return 0;
        }
    }
    return 1;
}

static int follows_after(PyObject *follows, const unsigned char *s, size_t n, size_t at) {
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(follows); j++) {
        PyObject *f = PyTuple_GET_ITEM(follows, j);
        if (follow_at((const unsigned char *)PyBytes_AS_STRING(f), (size_t)PyBytes_GET_SIZE(f), s, n, at)) return 1;
    }
    return 0;
}

/* Each needle's follows (a sequence aligned with the needles, of sequences of str). */
static int follows_fill(needle_list *list, PyObject *sequence) {
    PyObject *items = PySequence_Fast(sequence, "expected a sequence of follows");
    if (!items) return -1;
    if (PySequence_Fast_GET_SIZE(items) != list->count) {
        Py_DECREF(items);
        PyErr_SetString(PyExc_ValueError, "one follows entry per literal");
        return -1;
    }
    for (int k = 0; k < list->count; k++) {
        PyObject *entry = PySequence_Tuple(PySequence_Fast_GET_ITEM(items, k));
        if (!entry) { Py_DECREF(items); return -1; }
        Py_ssize_t m = PyTuple_GET_SIZE(entry);
        PyObject *encoded = m ? PyTuple_New(m) : NULL;
        for (Py_ssize_t j = 0; encoded && j < m; j++) {
            PyObject *b = PyUnicode_AsUTF8String(PyTuple_GET_ITEM(entry, j));
            if (!b) Py_CLEAR(encoded);
            else PyTuple_SET_ITEM(encoded, j, b);
        }
        Py_DECREF(entry);
        if (m && !encoded) { Py_DECREF(items); return -1; }
        Py_XSETREF(list->follows[k], encoded);
    }
    Py_DECREF(items);
    return 0;
}

/* The needles (of `bits`) whose anchor pair sits at s[i]: add those found to *found.
 * Returns 1 when the search is over (first_only, or every needle found). */
static int needles_at(const needle_list *list, const unsigned char *s, size_t n, size_t i, uint64_t bits,
                      uint64_t *found, int first_only) {
    while (bits) {
        int k = __builtin_ctzll(bits);
        bits &= bits - 1;
        size_t anchor = list->anchor[k], len = list->len[k];
        if (i < anchor || i - anchor + len > n) continue;
        if (same(s + i - anchor, list->text[k], len, list->fold[k])
            && (!list->follows[k] || follows_after(list->follows[k], s, n, i - anchor + len))) {
            *found |= (uint64_t)1 << k;
            if (first_only || *found == list->all) return 1;
        }
    }
    return 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
static int use_avx2;

/* Positions [0, end) of s, 32 at a time: a position is a candidate when the byte there and
 * the next are the anchor pair of a needle not found yet (or the byte is a one-byte needle;
 * folding needles compare with the 0x20 bit set on both sides, which lets both cases of a
 * letter through). s[end] must be readable. Returns the position it stopped at: the end of
 * the last whole block, or earlier with *over set when the search is over. */
__attribute__((target("avx2")))
static size_t needles_avx2(const needle_list *list, const unsigned char *s, size_t n, size_t end, uint64_t *found,
                           int first_only, int *over) {
    struct anchor_set fewer;
    const struct anchor_set *set = &list->anchors;
    __m256i first[MAX_NEEDLES], second[MAX_NEEDLES], single[MAX_NEEDLES];
    uint64_t active = ~(uint64_t)0;
    const __m256i case_bit = _mm256_set1_epi8(0x20);
    size_t i = 0;
    for (; i + 32 <= end; i += 32) {
        if (active != (list->all & ~*found)) {  /* at the start, and when a needle was found */
            active = list->all & ~*found;
            if (active != list->all) {
                anchor_set_of(list, active, &fewer);
                set = &fewer;
            }
            for (int p = 0; p < set->exact + set->folded; p++) {
                first[p] = _mm256_set1_epi8((char)set->pair[p][0]);
                second[p] = _mm256_set1_epi8((char)set->pair[p][1]);
            }
            for (int q = 0; q < set->singles + set->singles_folded; q++)
                single[q] = _mm256_set1_epi8((char)set->single[q]);
        }
        __m256i here = _mm256_loadu_si256((const __m256i *)(s + i));
        __m256i next = _mm256_loadu_si256((const __m256i *)(s + i + 1));
        __m256i hits = _mm256_setzero_si256();
        int p = 0;
        for (; p < set->exact; p++)
            hits = _mm256_or_si256(hits, _mm256_and_si256(_mm256_cmpeq_epi8(here, first[p]),
                                                          _mm256_cmpeq_epi8(next, second[p])));
        for (int q = 0; q < set->singles; q++) hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(here, single[q]));
        if (set->folded || set->singles_folded) {
            __m256i here_f = _mm256_or_si256(here, case_bit), next_f = _mm256_or_si256(next, case_bit);
            for (int end_p = set->exact + set->folded; p < end_p; p++)
                hits = _mm256_or_si256(hits, _mm256_and_si256(_mm256_cmpeq_epi8(here_f, first[p]),
                                                              _mm256_cmpeq_epi8(next_f, second[p])));
            for (int q = set->singles; q < set->singles + set->singles_folded; q++)
                hits = _mm256_or_si256(hits, _mm256_cmpeq_epi8(here_f, single[q]));
        }
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(hits);
        while (mask) {
            size_t at = i + (size_t)__builtin_ctz(mask);
            mask &= mask - 1;
            uint64_t bits = list->by_first[s[at]] & list->by_second[s[at + 1]] & ~*found;
            if (bits && needles_at(list, s, n, at, bits, found, first_only)) { *over = 1; return at; }
        }
    }
    return i;
}
#endif

/* Bit k set when needle k occurs in s. With first_only, stop at the first one found. */
static uint64_t needles_in(const needle_list *list, const unsigned char *s, size_t n, int first_only) {
    uint64_t found = 0;
    if (n == 0 || list->count == 0) return 0;
    size_t i = 0;
#ifdef HAVE_AVX2_PATH
    if (use_avx2 && n > 64) {
        int over = 0;
        i = needles_avx2(list, s, n, n - 1, &found, first_only, &over);
        if (over) return found;
    }
#endif
    for (; i < n; i++) {
        uint64_t bits = list->by_first[s[i]] & list->by_second[i + 1 < n ? s[i + 1] : 0] & ~found;
        if (bits && needles_at(list, s, n, i, bits, &found, first_only)) return found;
    }
    return found;
}

/* ---- configuration ------------------------------------------------------------------- */

static struct {
    name_set frames, containers, meta_tags, card_tags, meta_names;
    name_set skip_attrs, tool_attrs, script_plain_attrs;
    name_set named_id_attrs, generic_id_attrs, payload_attrs, url_attrs, provider_attrs;
    name_set json_types, js_types, state_ids;
    needle_list hints, card_words, script_needles, canonical, json_needles;  /* (json: the keys too) */
    needle_list hosts;  /* platform hosts, for hosts_in() */
    needle_list widget_words;  /* ancestry(): classes and ids of feeds and sidebars */
    needle_list platform_words, player_literals, notice_words;  /* (any case) */
    needle_list class_tool_literals, not_embed_words, not_embed_words_alone, blockquote_classes;  /* (any case) */
    Py_ssize_t noscript_levels, widget_levels;
    int configured;
} cfg;

static int fill_from(PyObject *conf, const char *key, name_set *set) {
    PyObject *value = PyDict_GetItemString(conf, key);
    if (!value) { PyErr_Format(PyExc_KeyError, "configure() needs %s", key); return -1; }
    return set_fill(set, value);
}

static int needles_from(PyObject *conf, const char *key, needle_list *list, int fold) {
    PyObject *value = PyDict_GetItemString(conf, key);
    if (!value) { PyErr_Format(PyExc_KeyError, "configure() needs %s", key); return -1; }
    return needles_fill(list, value, fold);
}

/* JSON members are searched once for both the literals and the id keys (any case). The
 * index of JSON state relies on no literal spanning two tokens. */
static int json_keys_add(PyObject *conf) {
    PyObject *value = PyDict_GetItemString(conf, "json_keys");
    if (!value) { PyErr_SetString(PyExc_KeyError, "configure() needs json_keys"); return -1; }
    if (needles_add(&cfg.json_needles, value, 1) < 0) return -1;
    for (int k = 0; k < cfg.json_needles.count; k++)
        for (size_t i = 0; i < cfg.json_needles.len[k]; i++)
            if (cfg.json_needles.text[k][i] && strchr("\"{}[],: \t\n\r\f", cfg.json_needles.text[k][i])) {
                PyErr_SetString(PyExc_ValueError, "a JSON literal holds a quote, bracket, comma, colon or space");
                return -1;
            }
    return 0;
}

static int script_follows_fill(PyObject *conf) {
    PyObject *follows = PyDict_GetItemString(conf, "script_follows");
    PyObject *forms = PyDict_GetItemString(conf, "slash_forms");
    if (!follows || !forms) { PyErr_SetString(PyExc_KeyError, "configure() needs script_follows, slash_forms"); return -1; }
    PyObject *sequence = PySequence_Fast(forms, "expected a sequence of slash forms");
    if (!sequence) return -1;
    PyObject *encoded = PyTuple_New(PySequence_Fast_GET_SIZE(sequence));
    for (Py_ssize_t j = 0; encoded && j < PySequence_Fast_GET_SIZE(sequence); j++) {
        PyObject *b = PyUnicode_AsUTF8String(PySequence_Fast_GET_ITEM(sequence, j));
        if (!b) Py_CLEAR(encoded);
        else PyTuple_SET_ITEM(encoded, j, b);
    }
    Py_DECREF(sequence);
    if (!encoded) return -1;
    Py_XSETREF(slash_forms, encoded);
    return follows_fill(&cfg.script_needles, follows);
}

static int size_from(PyObject *conf, const char *key, Py_ssize_t *out) {
    PyObject *value = PyDict_GetItemString(conf, key);
    if (!value) { PyErr_Format(PyExc_KeyError, "configure() needs %s", key); return -1; }
    *out = PyLong_AsSsize_t(value);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* A list searched in Python's one-byte strings as they are (Latin-1, not UTF-8) must be ASCII. */
static int ascii_only(const needle_list *list) {
    for (int k = 0; k < list->count; k++)
        for (size_t i = 0; i < list->len[k]; i++)
            if (list->text[k][i] >= 0x80) {
                PyErr_SetString(PyExc_ValueError, "literals searched in Python strings must be ASCII");
                return -1;
            }
    return 0;
}

/* <link rel=...> that can name the page's URL */
static int canonical_fill(void) {
    PyObject *words = Py_BuildValue("(s)", "canonical");
    if (!words) return -1;
    int status = needles_fill(&cfg.canonical, words, 1);
    Py_DECREF(words);
    return status;
}

static PyObject *configure(PyObject *Py_UNUSED(self), PyObject *conf) {
    if (!PyDict_Check(conf)) { PyErr_SetString(PyExc_TypeError, "configure() takes a dict"); return NULL; }
    cfg.configured = 0;
    if (fill_from(conf, "frames", &cfg.frames) || fill_from(conf, "containers", &cfg.containers)
        || fill_from(conf, "meta_tags", &cfg.meta_tags) || fill_from(conf, "card_tags", &cfg.card_tags)
        || fill_from(conf, "meta_names", &cfg.meta_names)
        || fill_from(conf, "skip_attrs", &cfg.skip_attrs)
        || fill_from(conf, "tool_attrs", &cfg.tool_attrs)
        || fill_from(conf, "named_id_attrs", &cfg.named_id_attrs)
        || fill_from(conf, "generic_id_attrs", &cfg.generic_id_attrs)
        || fill_from(conf, "payload_attrs", &cfg.payload_attrs) || fill_from(conf, "url_attrs", &cfg.url_attrs)
        || fill_from(conf, "provider_attrs", &cfg.provider_attrs)
        || needles_from(conf, "platform_words", &cfg.platform_words, 1)
        || needles_from(conf, "player_literals", &cfg.player_literals, 1)
        || needles_from(conf, "notice_words", &cfg.notice_words, 1)
        || needles_from(conf, "class_tool_literals", &cfg.class_tool_literals, 1)
        || needles_from(conf, "not_embed_words", &cfg.not_embed_words, 1)
        || needles_from(conf, "not_embed_words_alone", &cfg.not_embed_words_alone, 1)
        || needles_from(conf, "blockquote_classes", &cfg.blockquote_classes, 1)
        || fill_from(conf, "script_plain_attrs", &cfg.script_plain_attrs)
        || fill_from(conf, "json_types", &cfg.json_types) || fill_from(conf, "js_types", &cfg.js_types)
        || fill_from(conf, "state_ids", &cfg.state_ids)
        || needles_from(conf, "hints", &cfg.hints, 0) || needles_from(conf, "card_words", &cfg.card_words, 1)
        || needles_from(conf, "script_needles", &cfg.script_needles, 0) || script_follows_fill(conf)
        || canonical_fill()
        || needles_from(conf, "json_needles", &cfg.json_needles, 0) || json_keys_add(conf)
        || needles_from(conf, "hosts", &cfg.hosts, 0) || ascii_only(&cfg.hints) || ascii_only(&cfg.hosts)
        || needles_from(conf, "widget_words", &cfg.widget_words, 1)
        || size_from(conf, "noscript_levels", &cfg.noscript_levels) || size_from(conf, "widget_levels", &cfg.widget_levels))
        return NULL;
    cfg.configured = 1;
    Py_RETURN_NONE;
}

/* ---- binding to selectolax's lexbor -------------------------------------------------- */

static PyObject *bind(PyObject *Py_UNUSED(self), PyObject *arg) {
    const char *path = PyUnicode_AsUTF8(arg);
    if (!path) return NULL;
    lx.bound = 0;
    void *handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!handle) { PyErr_Format(PyExc_OSError, "lexbor module not loaded: %s", dlerror()); return NULL; }
#define LOOK(field, symbol)                                                              \
    *(void **)(&lx.field) = dlsym(handle, symbol);                                       \
    if (!lx.field) { dlclose(handle); PyErr_Format(PyExc_OSError, "lexbor has no %s", symbol); return NULL; }
    LOOK(element_name, "lxb_dom_element_qualified_name");
    LOOK(first_attr, "lxb_dom_element_first_attribute_noi");
    LOOK(attr_name, "lxb_dom_attr_qualified_name");
    LOOK(element_local_name, "lxb_dom_element_local_name");
    LOOK(attr_local_name, "lxb_dom_attr_local_name");
    LOOK(serialize_tree, "lxb_html_serialize_tree_cb");
#undef LOOK
    dlclose(handle);  /* (only the reference RTLD_NOLOAD took: selectolax's module stays loaded) */
    lx.bound = 1;
    Py_RETURN_NONE;
}

/* ---- what a tag or attribute name means, looked up once per name id per document ----- */

enum tag_kind {
    T_PLAIN, T_BLOCKQUOTE, T_FRAME, T_SCRIPT, T_CONTAINER, T_STYLE, T_TEMPLATE, T_A,
    T_META, T_TITLE, T_LINK, T_HTML, T_TIME, T_OTHER_META, T_CARD, T_NAMELESS, T_IMG
};
enum attr_bits {
    A_SKIP = 1 << 0, A_SCRIPT_PLAIN = 1 << 2, A_TOOL = 1 << 3,
    A_SRC = 1 << 4, A_TYPE = 1 << 5, A_ID = 1 << 6, A_TELEGRAM = 1 << 7, A_HREF = 1 << 8,
    A_ITEMPROP = 1 << 9, A_CONTENT = 1 << 10, A_PROPERTY = 1 << 11, A_NAME = 1 << 12, A_REL = 1 << 13,
    A_LANG = 1 << 14, A_DATETIME = 1 << 15, A_CLASS = 1 << 16,
    A_NAMED_ID = 1 << 17, A_GENERIC_ID = 1 << 18, A_PAYLOAD = 1 << 19, A_URL = 1 << 20, A_PROVIDER = 1 << 21,
    A_KNOWN = 1 << 30,
    A_VIEWED = A_SRC | A_TYPE | A_ID | A_TELEGRAM | A_HREF | A_ITEMPROP | A_CONTENT | A_PROPERTY | A_NAME | A_REL
               | A_LANG | A_DATETIME | A_CLASS
};

static int bytes_eq(const unsigned char *s, size_t n, const char *lit) {
    size_t len = strlen(lit);
    return n == len && memcmp(s, lit, len) == 0;
}

static int tag_kind_of(const unsigned char *tag, size_t n) {
    if (!tag || !n) return T_NAMELESS;
    if (bytes_eq(tag, n, "blockquote")) return T_BLOCKQUOTE;
    if (set_contains(&cfg.frames, tag, n) || memchr(tag, '-', n)) return T_FRAME;  /* amp-*, lite-*, custom */
    if (bytes_eq(tag, n, "script")) return T_SCRIPT;
    if (set_contains(&cfg.containers, tag, n)) {
        if (bytes_eq(tag, n, "style")) return T_STYLE;
        return bytes_eq(tag, n, "template") ? T_TEMPLATE : T_CONTAINER;
    }
    if (bytes_eq(tag, n, "a")) return T_A;
    if (set_contains(&cfg.meta_tags, tag, n)) {
        if (bytes_eq(tag, n, "meta")) return T_META;
        if (bytes_eq(tag, n, "title")) return T_TITLE;
        if (bytes_eq(tag, n, "link")) return T_LINK;
        if (bytes_eq(tag, n, "html")) return T_HTML;
        if (bytes_eq(tag, n, "time")) return T_TIME;
        return T_OTHER_META;
    }
    if (set_contains(&cfg.card_tags, tag, n)) return T_CARD;
    return bytes_eq(tag, n, "img") ? T_IMG : T_PLAIN;
}

static int attr_bits_of(const unsigned char *name, size_t n) {
    int bits = A_KNOWN;
    if (!name) return bits | A_SKIP;
    if (set_contains(&cfg.skip_attrs, name, n)) bits |= A_SKIP;
    if (set_contains(&cfg.script_plain_attrs, name, n)) bits |= A_SCRIPT_PLAIN;
    if (set_contains(&cfg.tool_attrs, name, n)) bits |= A_TOOL;
    if (set_contains(&cfg.named_id_attrs, name, n)) bits |= A_NAMED_ID;
    if (set_contains(&cfg.generic_id_attrs, name, n)) bits |= A_GENERIC_ID;
    if (set_contains(&cfg.payload_attrs, name, n)) bits |= A_PAYLOAD;
    if (set_contains(&cfg.url_attrs, name, n)) bits |= A_URL;
    if (set_contains(&cfg.provider_attrs, name, n)) bits |= A_PROVIDER;
    static const struct { const char *name; int bit; } named[] = {
        {"src", A_SRC}, {"type", A_TYPE}, {"id", A_ID}, {"data-telegram-post", A_TELEGRAM}, {"href", A_HREF},
        {"itemprop", A_ITEMPROP}, {"content", A_CONTENT}, {"property", A_PROPERTY}, {"name", A_NAME},
        {"rel", A_REL}, {"lang", A_LANG}, {"datetime", A_DATETIME}, {"class", A_CLASS},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (bytes_eq(name, n, named[i].name)) bits |= named[i].bit;
    return bits;
}

/* id -> meaning, for one walk (ids of names a document invents are only valid in it).
 * Names lexbor knows have small ids and take a direct slot; the others are hashed. */
#define CACHE_SIZE 4096
#define DIRECT_SIZE 1024
typedef struct {
    uintptr_t keys[CACHE_SIZE];
    int values[CACHE_SIZE];
    unsigned stamp[CACHE_SIZE];
    int direct_values[DIRECT_SIZE];
    unsigned direct_stamp[DIRECT_SIZE];
    unsigned generation;
    int used;
} id_cache;

static id_cache tag_cache, attr_cache;

static void cache_reset(id_cache *cache) {
    if (++cache->generation == 0) {   /* wrapped: forget everything for real */
        memset(cache->stamp, 0, sizeof cache->stamp);
        memset(cache->direct_stamp, 0, sizeof cache->direct_stamp);
        cache->generation = 1;
    }
    cache->used = 0;
}

static int *cache_slot(id_cache *cache, uintptr_t key) {
    if (key < DIRECT_SIZE) {
        if (cache->direct_stamp[key] != cache->generation) {
            cache->direct_stamp[key] = cache->generation;
            cache->direct_values[key] = -1;
        }
        return &cache->direct_values[key];
    }
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 52) & (CACHE_SIZE - 1);
    for (;;) {
        if (cache->stamp[i] != cache->generation) {
            if (cache->used >= CACHE_SIZE / 2) return NULL;  /* full: work it out every time */
            cache->stamp[i] = cache->generation;
            cache->keys[i] = key;
            cache->values[i] = -1;
            cache->used++;
            return &cache->values[i];
        }
        if (cache->keys[i] == key) return &cache->values[i];
        i = (i + 1) & (CACHE_SIZE - 1);
    }
}

/* What the name with this id means: from the cache, or worked out from the name once. */
typedef const unsigned char *(*name_reader)(void *, size_t *);

static int meaning_of(id_cache *cache, uintptr_t key, void *holder, name_reader name_of,
                      int (*meaning)(const unsigned char *, size_t)) {
    int *slot = cache_slot(cache, key);
    if (slot && *slot >= 0) return *slot;
    size_t n = 0;
    const unsigned char *name = name_of(holder, &n);
    int value = meaning(name, n);
    if (slot) *slot = value;
    return value;
}

static int tag_kind(lxb_node *element) {
    return meaning_of(&tag_cache, element->local_name, element, lx.element_name, tag_kind_of);
}

static int attr_bits(lx_attr *attr) {
    uintptr_t key = attr->qualified_name ? attr->qualified_name : attr->node.local_name;
    return meaning_of(&attr_cache, key, attr, lx.attr_name, attr_bits_of);
}

/* ---- the rules ----------------------------------------------------------------------- */

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

/* value lower-cased (and optionally stripped of ASCII whitespace) into buf, truncated */
/* What str.isspace() says of an ASCII byte. */
static int py_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

enum { KEEP_SPACE, STRIP_HTML_SPACE, STRIP_PY_SPACE };  /* (HTML's five, or what str.strip() takes of ASCII) */

static size_t lower_into(char *buf, size_t size, const unsigned char *s, size_t n, int strip) {
    int (*space)(unsigned char) = strip == STRIP_PY_SPACE ? py_space : is_ws;
    if (strip != KEEP_SPACE) {
        while (n && space(*s)) { s++; n--; }
        while (n && space(s[n - 1])) n--;
    }
    if (n > size) n = size;
    for (size_t i = 0; i < n; i++) buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    return n;
}

static int non_ascii(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80) return 1;
    return 0;
}


/* Could detectors.platform_hint() name a platform for this element? A platform word (any
 * case; "yt" stands for its four forms) in its tag, class or a provider attribute, or a
 * provider value that str.lower() may fold differently. */
static int platform_word_near(lxb_node *element) {
    size_t n = 0;
    const unsigned char *tag = lx.element_name(element, &n);
    if (tag && needles_in(&cfg.platform_words, tag, n, 1)) return 1;
    for (lx_attr *attr = lx.first_attr(element); attr; attr = attr->next) {
        int bits = attr_bits(attr);
        if (!(bits & (A_CLASS | A_PROVIDER))) continue;
        size_t len;
        const unsigned char *value = attr_value(attr, &len);
        if (value && (needles_in(&cfg.platform_words, value, len, 1) || ((bits & A_PROVIDER) && non_ascii(value, len))))
            return 1;
    }
    return 0;
}

/* Past the hint test, an image's attribute matters only as escaped markup, JSON, a lazy or
 * consent URL (a proxy may be followed), a player URL, or a script URL (a problem is noted):
 * the early returns of _attributes for <img>. Non-ASCII text may fold or strip otherwise in
 * Python: it counts. */
static int image_value_worth(int bits, const unsigned char *s, size_t n) {
    if ((bits & A_URL) || memchr(s, '<', n) || non_ascii(s, n)) return 1;
    size_t i = 0;
    while (i < n && py_space(s[i])) i++;
    if (i < n && (s[i] == '{' || s[i] == '[')) return 1;
    if (needles_in(&cfg.player_literals, s, n, 1)) return 1;
    static const char *const schemes[] = {"javascript:", "vbscript:", "data:"};
    for (size_t k = 0; k < sizeof schemes / sizeof schemes[0]; k++) {
        size_t len = strlen(schemes[k]);
        if (n - i >= len && same(s + i, (const unsigned char *)schemes[k], len, 1)) return 1;
    }
    return 0;
}

/* Could a value with a platform hint lead _attributes anywhere: markup ("<"), JSON ("{",
 * "["), a URL (post_ref() wants a "." or "at://"; a script URL's ":" is reported), or one
 * that escapes or encoding may turn into one ("&", "\\", "%")? */
static int url_able(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        switch (s[i]) {
        case '.': case '&': case '\\': case '<': case '{': case '[': case ':': case '%':
            return 1;
        }
    return 0;
}

/* Could _attributes act on one of this element's attributes? A value of 4+ bytes under a
 * name not skipped, and: a consent payload or a platform's id attribute; a generic id
 * attribute where a platform word is near; or a platform hint in the value (for an image,
 * one image_value_worth() accepts). */
static int attributes_worth(lxb_node *element, int image) {
    int platform = -1;  /* platform_word_near(), once asked */
    for (lx_attr *attr = lx.first_attr(element); attr; attr = attr->next) {
        size_t vlen;
        const unsigned char *value = attr_value(attr, &vlen);
        if (!value || vlen < 4) continue;
        int bits = attr_bits(attr);
        if (bits & A_SKIP) continue;
        if (bits & (A_PAYLOAD | A_NAMED_ID)) return 1;
        if (bits & A_GENERIC_ID) {
            if (platform < 0) platform = platform_word_near(element);
            if (platform) return 1;
        }
        if (needles_in(&cfg.hints, value, vlen, 1) && url_able(value, vlen)
            && (!image || image_value_worth(bits, value, vlen)))
            return 1;
    }
    return 0;
}

/* The attributes a rule reads, by meaning; an absent one is NULL. */
#define VIEWED 13
typedef struct {
    const unsigned char *value[VIEWED];
    size_t len[VIEWED];
    int present;  /* bit k: value[k] and len[k] are set (the arrays are not cleared) */
    int any, other_than_plain, tool;
} attr_view;

enum { V_SRC, V_TYPE, V_ID, V_TELEGRAM, V_HREF, V_ITEMPROP, V_CONTENT, V_PROPERTY, V_NAME, V_REL, V_LANG,
       V_DATETIME, V_CLASS };

static void view_of(lxb_node *element, attr_view *view) {
    view->present = view->any = view->other_than_plain = view->tool = 0;
    static const int order[VIEWED] = {A_SRC, A_TYPE, A_ID, A_TELEGRAM, A_HREF, A_ITEMPROP, A_CONTENT, A_PROPERTY,
                                A_NAME, A_REL, A_LANG, A_DATETIME, A_CLASS};
    for (lx_attr *attr = lx.first_attr(element); attr; attr = attr->next) {
        int bits = attr_bits(attr);
        view->any = 1;
        if (!(bits & A_SCRIPT_PLAIN)) view->other_than_plain = 1;
        if (bits & A_TOOL) view->tool = 1;
        if (!(bits & A_VIEWED)) continue;
        for (int k = 0; k < VIEWED; k++) {
            if (bits & order[k]) {
                size_t len;
                const unsigned char *value = attr_value(attr, &len);
                view->value[k] = value ? value : (const unsigned char *)"";
                view->len[k] = value ? len : 0;
                view->present |= 1 << k;
            }
        }
    }
}

#define VALUE(view, k) (((view)->present >> (k) & 1) ? (view)->value[k] : NULL)
#define HAS(view, k) (((view)->present >> (k) & 1) && (view)->len[k] > 0)

typedef struct {
    unsigned char *data;
    size_t len, cap;
} buffer;

/* Appends to a buffer; -1 when out of memory (no Python error set). */
static int buffer_add(buffer *buf, const unsigned char *data, size_t length) {
    if (buf->len + length > buf->cap) {
        size_t cap = (buf->len + length) * 2 + 64;
        unsigned char *grown = PyMem_Realloc(buf->data, cap);
        if (!grown) return -1;
        buf->data = grown;
        buf->cap = cap;
    }
    if (length) memcpy(buf->data + buf->len, data, length);
    buf->len += length;
    return 0;
}

/* The next node after `at` in tree order within `root`'s subtree (NULL at its end). */
static lxb_node *next_within(lxb_node *root, lxb_node *at) {
    if (at->first_child) return at->first_child;
    while (at != root && !at->next) at = at->parent;
    return at == root ? NULL : at->next;
}


/* An element's own text: its text children, concatenated (the content of a script, style,
 * textarea or title; an SVG script's nested elements are not read, which keeps nested
 * containers linear). */
static int text_of(lxb_node *element, buffer *buf) {
    buf->len = 0;
    for (lxb_node *node = element->first_child; node; node = node->next) {
        if (node->type != NODE_TEXT) continue;
        lx_str *str = &((lx_character_data *)node)->data;
        if (!str->data || !str->length) continue;
        if (buffer_add(buf, str->data, str->length) < 0) { PyErr_NoMemory(); return -1; }
    }
    return 0;
}

enum { WANT_NOTHING = 0, WANT = 1, WANT_WITH_TEXT = 2 };

typedef struct {
    buffer text;
    int text_read;
    uint64_t needles;   /* script needles in the text */
    unsigned once;      /* for the whole walk: which of the page's first title, lang, time were offered */
} found;

enum { ONCE_TITLE = 1, ONCE_LANG = 2, ONCE_TIME = 4 };

/* The page's metadata reads only the first <title>, <html lang> and <time datetime>: the
 * rest (SVG titles, lists of dates) are not offered. */
static int first_of(found *out, unsigned which) {
    if (out->once & which) return WANT_NOTHING;
    out->once |= which;
    return WANT;
}

/* ---- ancestry: what a candidate sits in --------------------------------------------- */

static int ascii_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* One of the words (any case) in s, not right after a letter. */
static int word_alone_in(const needle_list *words, const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ascii_letter(s[i - 1])) continue;
        for (int k = 0; k < words->count; k++)
            if (words->len[k] <= n - i && same(s + i, words->text[k], words->len[k], 1)) return 1;
    }
    return 0;
}

static int element_named(lxb_node *node, const char *name) {
    if (node->type != NODE_ELEMENT) return 0;
    size_t n = 0;
    const unsigned char *tag = lx.element_name(node, &n);
    return tag && bytes_eq(tag, n, name);
}

/* Bits: 1 when one of the noscript_levels nearest ancestors is a <noscript>, 2 when one of
 * the widget_levels nearest is an <aside> or has a class or id naming a feed or sidebar (a
 * widget word not right after a letter). Names are compared as text, not through the id
 * caches: those belong to the last walk, maybe of another tree. */
static long ancestry_bits(lxb_node *node) {
    long bits = 0;
    Py_ssize_t level = 0;
    for (lxb_node *up = node ? node->parent : NULL; up; up = up->parent) {
        level++;
        if (level > cfg.noscript_levels && level > cfg.widget_levels) break;
        if (level <= cfg.noscript_levels && element_named(up, "noscript")) bits |= 1;
        if (level > cfg.widget_levels || (bits & 2) || up->type != NODE_ELEMENT) continue;
        if (element_named(up, "aside")) {
            bits |= 2;
            continue;
        }
        for (lx_attr *attr = lx.first_attr(up); attr; attr = attr->next) {
            size_t n = 0, len;
            const unsigned char *name = lx.attr_name(attr, &n);
            if (!name || !(bytes_eq(name, n, "class") || bytes_eq(name, n, "id"))) continue;
            const unsigned char *value = attr_value(attr, &len);
            if (value && word_alone_in(&cfg.widget_words, value, len)) {
                bits |= 2;
                break;
            }
        }
    }
    return bits;
}

/* A class list that names a button or widget (detectors._NOT_EMBED): _card() passes it by. */
static int not_embed_class(const unsigned char *s, size_t n) {
    return needles_in(&cfg.not_embed_words, s, n, 1) || word_alone_in(&cfg.not_embed_words_alone, s, n);
}

/* Could a script of a type neither JSON nor JavaScript hold markup for consent.script_payload:
 * starting with "<", holding <iframe or <blockquote, or base64 in its first 2000 characters?
 * (Non-ASCII text may strip or match otherwise in Python: it counts.) */
static int payload_like(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n && py_space(s[i])) i++;
    if (i == n) return 0;
    if (s[i] >= 0x80 || s[i] == '<' || memmem(s, n, "<iframe", 7) || memmem(s, n, "<blockquote", 11)) return 1;
    if (strchr("{[(/", s[i])) return 0;
    size_t end = n - i > 2000 ? i + 2000 : n;
    for (size_t j = i; j < end; j++) {
        unsigned char c = s[j];
        if (c >= 0x80) return 1;
        if (!(py_space(c) || c == '+' || c == '/' || c == '=' || (c >= '0' && c <= '9') || ascii_letter(c))) return 0;
    }
    return end - i >= 16;
}

/* A blockquote: a platform's embed class or a card word in its class, a platform's id
 * attribute, or attributes worth reading (_blockquote and _attributes do nothing else). */
static int blockquote_rule(lxb_node *node) {
    for (lx_attr *attr = lx.first_attr(node); attr; attr = attr->next) {
        int bits = attr_bits(attr);
        if (bits & A_NAMED_ID) return WANT;
        if (!(bits & A_CLASS)) continue;
        size_t len;
        const unsigned char *value = attr_value(attr, &len);
        if (value && (needles_in(&cfg.blockquote_classes, value, len, 1) || needles_in(&cfg.card_words, value, len, 1)))
            return WANT;
    }
    return attributes_worth(node, 0) ? WANT : WANT_NOTHING;
}

/* A script: JSON state, consent-typed markup, or JavaScript naming a post. */
static int script_rule(lxb_node *node, const attr_view *v, found *out) {
    char stype[64];
    if (VALUE(v, V_TYPE) && non_ascii(v->value[V_TYPE], v->len[V_TYPE]))
        return WANT_WITH_TEXT;  /* str.strip() and .lower() may read it otherwise: Python judges */
    size_t slen = VALUE(v, V_TYPE) ? lower_into(stype, sizeof stype, v->value[V_TYPE], v->len[V_TYPE], STRIP_PY_SPACE) : 0;
    int tool = v->tool || (slen >= 7 && memcmp(stype, "didomi/", 7) == 0)
               || (HAS(v, V_CLASS) && needles_in(&cfg.class_tool_literals, v->value[V_CLASS], v->len[V_CLASS], 1));
    int has_src = HAS(v, V_SRC);
    if (HAS(v, V_TELEGRAM)) return WANT_WITH_TEXT;
    int attrs_matter = v->other_than_plain && attributes_worth(node, 0);
    if (has_src && !tool) return attrs_matter ? WANT_WITH_TEXT : WANT_NOTHING;
    if (text_of(node, &out->text) < 0) return -1;
    out->text_read = 1;
    if (out->text.len < 12) return attrs_matter ? WANT_WITH_TEXT : WANT_NOTHING;
    if (has_src || attrs_matter) return WANT_WITH_TEXT;  /* a blocked loader with a body: let Python judge */
    const unsigned char *ident = VALUE(v, V_ID);
    int json = set_contains(&cfg.json_types, (const unsigned char *)stype, slen)
               || (ident && set_contains(&cfg.state_ids, ident, v->len[V_ID]));
    int js = !json && set_contains(&cfg.js_types, (const unsigned char *)stype, slen);
    out->needles = needles_in(&cfg.script_needles, out->text.data, out->text.len, 0) | NEEDLES_LOOKED;
    if (json && slen == 19 && memcmp(stype, "application/ld+json", 19) == 0) return WANT_WITH_TEXT;
    int named = out->needles != NEEDLES_LOOKED;
    if (json || js) return named ? WANT_WITH_TEXT : WANT_NOTHING;
    /* didomi/html, text/plain, text/template...: consent markup, or else JavaScript */
    return named || payload_like(out->text.data, out->text.len) ? WANT_WITH_TEXT : WANT_NOTHING;
}

/* A <meta>: microdata naming an embed (itemprop="embedUrl", any ASCII case; other text may
 * lower-case to it), or on the page itself a name its metadata reads (property, else name,
 * else itemprop). */
static int meta_rule(const attr_view *v, int top) {
    if (HAS(v, V_ITEMPROP)) {
        char low[8];
        const unsigned char *prop = v->value[V_ITEMPROP];
        size_t len = v->len[V_ITEMPROP];
        if (non_ascii(prop, len) || (len == 8 && lower_into(low, sizeof low, prop, len, KEEP_SPACE) == 8
                                     && memcmp(low, "embedurl", 8) == 0))
            return WANT;
    }
    if (!top || !HAS(v, V_CONTENT)) return WANT_NOTHING;
    int k = HAS(v, V_PROPERTY) ? V_PROPERTY : (HAS(v, V_NAME) ? V_NAME : (HAS(v, V_ITEMPROP) ? V_ITEMPROP : -1));
    if (k < 0) return WANT_NOTHING;
    char low[64];
    size_t n = lower_into(low, sizeof low, v->value[k], v->len[k], STRIP_HTML_SPACE);
    return set_contains(&cfg.meta_names, (const unsigned char *)low, n) ? WANT : WANT_NOTHING;
}

/* What inspect() would do with this element: nothing, look at it, or read its text too. */
static int element_rule(lxb_node *node, int linked, int top, found *out) {
    int kind = tag_kind(node);
    if (kind == T_NAMELESS) return WANT_NOTHING;
    if (kind == T_BLOCKQUOTE) return blockquote_rule(node);
    if (kind == T_PLAIN || kind == T_FRAME || kind == T_IMG)
        return attributes_worth(node, kind == T_IMG) ? WANT : WANT_NOTHING;
    if (kind == T_TEMPLATE) return WANT;
    if (kind == T_CONTAINER) return WANT_WITH_TEXT;
    attr_view v;
    view_of(node, &v);
    switch (kind) {
    case T_SCRIPT:
        return script_rule(node, &v, out);
    case T_STYLE: {  /* a stylesheet naming embed classes is not an embed; a template style may be */
        char low[16];
        size_t n = VALUE(&v, V_TYPE) ? lower_into(low, sizeof low, v.value[V_TYPE], v.len[V_TYPE], KEEP_SPACE) : 0;
        if (n == 0 || (v.len[V_TYPE] == 8 && memcmp(low, "text/css", 8) == 0)) return WANT_NOTHING;
        return WANT_WITH_TEXT;
    }
    case T_A:
        return linked && HAS(&v, V_HREF) && needles_in(&cfg.hints, v.value[V_HREF], v.len[V_HREF], 1)
               && url_able(v.value[V_HREF], v.len[V_HREF]) ? WANT : WANT_NOTHING;
    case T_META:
        return meta_rule(&v, top);
    case T_TITLE:
        return top && first_of(out, ONCE_TITLE) ? WANT_WITH_TEXT : WANT_NOTHING;
    case T_LINK:
        return top && HAS(&v, V_REL) && HAS(&v, V_HREF) && needles_in(&cfg.canonical, v.value[V_REL], v.len[V_REL], 1)
               ? WANT : WANT_NOTHING;
    case T_HTML:
        return top && HAS(&v, V_LANG) ? first_of(out, ONCE_LANG) : WANT_NOTHING;
    case T_TIME:
        return top && HAS(&v, V_DATETIME) ? first_of(out, ONCE_TIME) : WANT_NOTHING;
    case T_OTHER_META:
        return top ? WANT : WANT_NOTHING;
    case T_CARD:
        if (!v.any) return WANT_NOTHING;
        if (attributes_worth(node, 0)) return WANT;
        /* a card: its class names a platform, not a button, and it is not in a feed */
        if (HAS(&v, V_CLASS) && needles_in(&cfg.card_words, v.value[V_CLASS], v.len[V_CLASS], 1)
            && !not_embed_class(v.value[V_CLASS], v.len[V_CLASS]) && !(ancestry_bits(node) & 2))
            return WANT;
        return WANT_NOTHING;
    }
    return WANT_NOTHING;
}

/* ---- output -------------------------------------------------------------------------- */

static PyObject *attributes_dict(lxb_node *element) {
    PyObject *attrs = PyDict_New();
    if (!attrs) return NULL;
    for (lx_attr *attr = lx.first_attr(element); attr; attr = attr->next) {
        size_t nlen = 0, vlen = 0;
        const unsigned char *name = lx.attr_name(attr, &nlen);
        const unsigned char *value = attr_value(attr, &vlen);
        PyObject *key = PyUnicode_DecodeUTF8((const char *)(name ? name : (const unsigned char *)""),
                                             (Py_ssize_t)(name ? nlen : 0), "replace");
        PyObject *val;
        if (value) {
            val = PyUnicode_DecodeUTF8((const char *)value, (Py_ssize_t)vlen, "replace");
        } else {
            val = Py_None;
            Py_INCREF(val);
        }
        if (!key || !val || PyDict_SetItem(attrs, key, val) < 0) {
            Py_XDECREF(key);
            Py_XDECREF(val);
            Py_DECREF(attrs);
            return NULL;
        }
        Py_DECREF(key);
        Py_DECREF(val);
    }
    return attrs;
}

typedef struct {
    Py_ssize_t *items;
    Py_ssize_t depth, cap;
} index_stack;

static int stack_push(index_stack *stack) {
    if (stack->depth == stack->cap) {
        Py_ssize_t cap = stack->cap ? stack->cap * 2 : 64;
        Py_ssize_t *grown = PyMem_Realloc(stack->items, (size_t)cap * sizeof(Py_ssize_t));
        if (!grown) { PyErr_NoMemory(); return -1; }
        stack->items = grown;
        stack->cap = cap;
    }
    stack->items[stack->depth++] = 0;
    return 0;
}

static PyObject *path_tuple(const index_stack *stack) {
    PyObject *path = PyTuple_New(stack->depth);
    if (!path) return NULL;
    for (Py_ssize_t i = 0; i < stack->depth; i++) {
        PyObject *k = PyLong_FromSsize_t(stack->items[i]);
        if (!k) { Py_DECREF(path); return NULL; }
        PyTuple_SET_ITEM(path, i, k);
    }
    return path;
}

static int emit(PyObject *out, lxb_node *node, Py_ssize_t index, const index_stack *stack, int want, found *got) {
    size_t n = 0;
    const unsigned char *name = lx.element_name(node, &n);
    PyObject *tag = PyUnicode_DecodeUTF8((const char *)(name ? name : (const unsigned char *)""),
                                         (Py_ssize_t)(name ? n : 0), "replace");
    if (!tag) return -1;
    PyObject *attrs = attributes_dict(node);
    PyObject *path = attrs ? path_tuple(stack) : NULL;
    PyObject *content = Py_None;
    if (path && want == WANT_WITH_TEXT) {
        if (!got->text_read && text_of(node, &got->text) < 0) content = NULL;
        else content = PyUnicode_DecodeUTF8((const char *)got->text.data, (Py_ssize_t)got->text.len, "replace");
    } else {
        Py_INCREF(content);
    }
    PyObject *item = NULL;
    if (attrs && path && content)
        item = Py_BuildValue("(nOOOOKK)", index, tag, attrs, path, content, (unsigned long long)got->needles,
                             (unsigned long long)(uintptr_t)node);
    Py_DECREF(tag);
    Py_XDECREF(attrs);
    Py_XDECREF(path);
    Py_XDECREF(content);
    if (!item) return -1;
    int status = PyList_Append(out, item);
    Py_DECREF(item);
    return status;
}

/* walk(root_mem_id, linked, top, limit, max_path_steps, every=False) -> (elements, [candidate...], complete)
 * candidate = (document-order index, tag, attributes, path of child indexes from the root,
 *              text or None, mask of the script literals the text contains: bit k for literal k,
 *              bit 63 when the text was searched at all, the node's address for ancestry()).
 * Elements are counted and indexed like tree.css("*"): root first, depth first, template
 * contents excluded; past `limit` they are only counted. Paths cost their depth: once the
 * candidates' paths add up to max_path_steps (deep nesting), no more are offered and
 * complete is False. every=True returns every element with its text (to check this walk
 * against selectolax). Whole documents only: a fragment's later top-level nodes are not
 * reached. */
static PyObject *walk(PyObject *Py_UNUSED(self), PyObject *args) {
    unsigned long long root_id;
    int linked, top, every = 0;
    Py_ssize_t limit, max_path_steps;
    if (!PyArg_ParseTuple(args, "Kppnn|p", &root_id, &linked, &top, &limit, &max_path_steps, &every)) return NULL;
    if (!lx.bound || !cfg.configured) {
        PyErr_SetString(PyExc_RuntimeError, "prefilter not bound and configured");
        return NULL;
    }
    lxb_node *root = (lxb_node *)(uintptr_t)root_id;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    if (!root) return Py_BuildValue("(nNO)", (Py_ssize_t)0, out, Py_True);
    cache_reset(&tag_cache);
    cache_reset(&attr_cache);
    index_stack stack = {NULL, 0, 0};
    found got = {{NULL, 0, 0}, 0, 0, 0};
    Py_ssize_t count = 0, path_steps = 0;
    lxb_node *node = root;
    int failed = 0, complete = 1;
    for (;;) {
        if (node->type == NODE_ELEMENT) {
            if (count < limit && complete) {
                got.text_read = 0;
                got.needles = 0;
                int want = every ? WANT_WITH_TEXT : element_rule(node, linked, top, &got);
                if (want < 0) { failed = 1; break; }
                if (want && (path_steps += stack.depth + 1) > max_path_steps) {
                    complete = 0;
                } else if (want && emit(out, node, count, &stack, want, &got) < 0) {
                    failed = 1;
                    break;
                }
            }
            count++;
        }
        if (node->first_child) {
            if (stack_push(&stack) < 0) { failed = 1; break; }
            node = node->first_child;
            continue;
        }
        while (node != root && !node->next) {
            node = node->parent;
            stack.depth--;
        }
        if (node == root) break;
        node = node->next;
        stack.items[stack.depth - 1]++;
    }
    PyMem_Free(stack.items);
    PyMem_Free(got.text.data);
    if (failed) { Py_DECREF(out); return NULL; }
    return Py_BuildValue("(nNO)", count, out, complete ? Py_True : Py_False);
}

/* ---- JSON state: which members of a big object or array could name a post ----------- */

static int json_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static Py_ssize_t json_skip_space(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && json_space(s[i])) i++;
    return i;
}

/* s[i] == '"': the index after the closing quote, or -1 */
static Py_ssize_t json_skip_string(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    for (i++; i < n; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') return i + 1;
    }
    return -1;
}

/* the index after the value starting at s[i], or -1 (nesting is counted, not checked) */
static Py_ssize_t json_skip_value(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    if (i >= n) return -1;
    if (s[i] == '"') return json_skip_string(s, i, n);
    if (s[i] == '{' || s[i] == '[') {
        Py_ssize_t depth = 0;
        for (; i < n; i++) {
            unsigned char c = s[i];
            if (c == '"') {
                i = json_skip_string(s, i, n);
                if (i < 0) return -1;
                i--;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return -1;
    }
    Py_ssize_t start = i;
    while (i < n && !json_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
    return i > start ? i : -1;
}

/* One pass over a JSON object or array builds its index: which members' raw text (key
 * included) holds one of the configured literals ("hot" members: the only ones the state
 * walk has to look at), with their byte spans, and for a hot member that is itself a big
 * enough container, the same index of its own members. No literal contains a quote,
 * bracket, comma, colon or space (configure() checks), so none spans two tokens: a
 * container is hot exactly when one of its tokens is, and each byte is searched once. */

typedef struct {
    Py_ssize_t ordinal, begin, end;
    PyObject *sub;      /* the member's own index, or NULL */
} hot_member;

#define MAX_INDEX_DEPTH 256  /* levels of nested indexes (each a C stack frame) */

typedef struct {
    const unsigned char *s;
    Py_ssize_t n, prune_min;
    int max_depth;
    hot_member *hot;    /* a stack: each open container's hot members sit above its parent's */
    Py_ssize_t used, cap;
} json_indexer;

static int hot_push(json_indexer *ix, Py_ssize_t ordinal, Py_ssize_t begin, Py_ssize_t end, PyObject *sub) {
    if (ix->used == ix->cap) {
        Py_ssize_t cap = ix->cap ? ix->cap * 2 : 64;
        hot_member *grown = PyMem_Realloc(ix->hot, (size_t)cap * sizeof *grown);
        if (!grown) { PyErr_NoMemory(); return -1; }
        ix->hot = grown;
        ix->cap = cap;
    }
    ix->hot[ix->used++] = (hot_member){ordinal, begin, end, sub};
    return 0;
}

static void hot_pop(json_indexer *ix, Py_ssize_t down_to) {
    while (ix->used > down_to) Py_XDECREF(ix->hot[--ix->used].sub);
}

/* (members, [(ordinal, begin, end, index or None), ...]) from the hot members above `from` */
static PyObject *index_object(json_indexer *ix, Py_ssize_t from, Py_ssize_t members) {
    PyObject *list = PyList_New(ix->used - from), *index = NULL;
    for (Py_ssize_t k = from; list && k < ix->used; k++) {
        hot_member *m = &ix->hot[k];
        PyObject *item = Py_BuildValue("(nnnO)", m->ordinal, m->begin, m->end, m->sub ? m->sub : Py_None);
        if (!item) Py_CLEAR(list);
        else PyList_SET_ITEM(list, k - from, item);
    }
    if (list) index = Py_BuildValue("(nN)", members, list);
    hot_pop(ix, from);  /* (their sub-indexes are released either way) */
    return index;
}

/* The token at s[i] (a string, number or literal): the index after it, or -1 */
static Py_ssize_t json_skip_token(const unsigned char *s, Py_ssize_t i, Py_ssize_t n) {
    if (s[i] == '"') return json_skip_string(s, i, n);
    Py_ssize_t start = i;
    while (i < n && !json_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ':') i++;
    return i > start ? i : -1;
}

static int json_hot(const unsigned char *s, Py_ssize_t begin, Py_ssize_t end) {
    return needles_in(&cfg.json_needles, s + begin, (size_t)(end - begin), 1) != 0;
}

/* The container at s[i]: returns the index after it (or -1: not followed, or -2: a Python
 * error), sets *hot, and *index to its index when it is a hot member (its key counts:
 * key_hot) of more than prune_min bytes, or the top (NULL otherwise). Past max_depth a
 * container is one token. */
static Py_ssize_t index_container(json_indexer *ix, Py_ssize_t i, int depth, int key_hot, int *hot,
                                  PyObject **index) {
    const unsigned char *s = ix->s;
    Py_ssize_t n = ix->n, start = i, base = ix->used, ordinal = 0;
    *hot = 0;
    *index = NULL;
    if (depth >= ix->max_depth) {  /* too deep to index: its raw text decides */
        Py_ssize_t end = json_skip_value(s, i, n);
        if (end >= 0) *hot = json_hot(s, i, end);
        return end;
    }
    int object = s[i] == '{';
    unsigned char close = object ? '}' : ']';
    i = json_skip_space(s, i + 1, n);
    if (i < n && s[i] == close) {
        i++;
        goto done;
    }
    while (i < n) {
        Py_ssize_t member = i;
        int member_hot = 0;
        if (object) {
            if (s[i] != '"' || (i = json_skip_string(s, i, n)) < 0) goto fail;
            member_hot = json_hot(s, member, i);
            i = json_skip_space(s, i, n);
            if (i >= n || s[i] != ':') goto fail;
            i = json_skip_space(s, i + 1, n);
            if (i >= n) goto fail;
        }
        Py_ssize_t value = i;
        PyObject *sub = NULL;
        if (s[i] == '{' || s[i] == '[') {
            int value_hot;
            i = index_container(ix, i, depth + 1, member_hot, &value_hot, &sub);
            if (i == -2) goto error;
            member_hot |= value_hot;
        } else {
            i = json_skip_token(s, i, n);
            if (i >= 0 && !member_hot) member_hot = json_hot(s, value, i);
        }
        if (i < 0) goto fail;
        if (member_hot) {
            *hot = 1;
            if (hot_push(ix, ordinal, value, i, sub) < 0) { Py_XDECREF(sub); goto error; }
        } else {
            Py_XDECREF(sub);
        }
        ordinal++;
        i = json_skip_space(s, i, n);
        if (i < n && s[i] == ',') {
            i = json_skip_space(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == close) {
            i++;
            goto done;
        }
        goto fail;
    }
fail:
    hot_pop(ix, base);
    return -1;
error:
    hot_pop(ix, base);
    return -2;
done:
    if (depth == 0 || ((*hot || key_hot) && i - start > ix->prune_min)) {
        *index = index_object(ix, base, ordinal);
        if (!*index) return -2;
    } else {
        hot_pop(ix, base);
    }
    return i;
}

/* The UTF-8 of a str (kept by the str), with *start turned from a character offset into a
 * byte offset unless it is one already. */
static const unsigned char *utf8_from(PyObject *text, Py_ssize_t *start, int byte_offset, Py_ssize_t *n) {
    const unsigned char *s = (const unsigned char *)PyUnicode_AsUTF8AndSize(text, n);
    if (!s || byte_offset || PyUnicode_IS_ASCII(text) || *start <= 0) return s;
    Py_ssize_t chars = 0, i = 0;
    while (i < *n && chars < *start) {
        i++;
        while (i < *n && (s[i] & 0xC0) == 0x80) i++;
        chars++;
    }
    *start = i;
    return s;
}

/* json_value(text, start) -> bytes or None: the UTF-8 text of the JSON object or array at
 * character offset `start`, to its closing bracket (found by counting brackets outside
 * strings: exact for valid JSON, the only text its caller accepts from it). */
static PyObject *json_value(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *text;
    Py_ssize_t start, n;
    if (!PyArg_ParseTuple(args, "Un", &text, &start)) return NULL;
    const unsigned char *s = utf8_from(text, &start, 0, &n);
    if (!s) return NULL;
    if (start < 0 || start >= n || (s[start] != '{' && s[start] != '[')) Py_RETURN_NONE;
    Py_ssize_t end = json_skip_value(s, start, n);
    if (end < 0) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize((const char *)s + start, end - start);
}

/* json_index(text, start, byte_offset, prune_min, max_depth) -> (members, [(ordinal, begin, end, index), ...])
 * or None. The index of the JSON object or array at `start` (a character offset, or a byte
 * offset into the UTF-8 text when byte_offset): its member count and its hot members, each
 * with its byte span and, for a container of more than prune_min bytes within max_depth
 * levels, its own index (else None). None when the text there is not an object or array
 * this scanner can follow. */
static PyObject *json_index(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *text;
    Py_ssize_t start, prune_min;
    int byte_offset, max_depth;
    if (!PyArg_ParseTuple(args, "Unpni", &text, &start, &byte_offset, &prune_min, &max_depth)) return NULL;
    if (!cfg.configured) { PyErr_SetString(PyExc_RuntimeError, "prefilter not configured"); return NULL; }
    Py_ssize_t n;
    const unsigned char *s = utf8_from(text, &start, byte_offset, &n);
    if (!s) return NULL;
    if (start < 0 || start > n) Py_RETURN_NONE;
    Py_ssize_t i = json_skip_space(s, start, n);
    if (i >= n || (s[i] != '{' && s[i] != '[')) Py_RETURN_NONE;
    /* (the index is built recursively: its depth is bounded here, deeper levels are scanned flat) */
    json_indexer ix = {s, n, prune_min, max_depth < 1 ? 1 : (max_depth > MAX_INDEX_DEPTH ? MAX_INDEX_DEPTH : max_depth),
                       NULL, 0, 0};
    int hot;
    PyObject *index = NULL;
    Py_ssize_t end = index_container(&ix, i, 0, 0, &hot, &index);
    PyMem_Free(ix.hot);
    if (end == -2) return NULL;
    if (end == -1) Py_RETURN_NONE;
    return index;
}

/* Whether one of the (ASCII) literals occurs in a Python string: a one-byte string is
 * searched as it is, another as UTF-8 (with lone surrogates passed through: their bytes
 * are not ASCII and match nothing). */
static PyObject *literal_in(const needle_list *list, PyObject *text) {
    if (!PyUnicode_Check(text)) { PyErr_SetString(PyExc_TypeError, "expected a str"); return NULL; }
    if (!cfg.configured) { PyErr_SetString(PyExc_RuntimeError, "prefilter not configured"); return NULL; }
    if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND)
        return PyBool_FromLong(needles_in(list, PyUnicode_1BYTE_DATA(text), (size_t)PyUnicode_GET_LENGTH(text), 1) != 0);
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s) return PyBool_FromLong(needles_in(list, (const unsigned char *)s, (size_t)n, 1) != 0);
    PyErr_Clear();
    PyObject *encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (!encoded) return NULL;
    int found = needles_in(list, (const unsigned char *)PyBytes_AS_STRING(encoded), (size_t)PyBytes_GET_SIZE(encoded),
                           1) != 0;
    Py_DECREF(encoded);
    return PyBool_FromLong(found);
}

static PyObject *hints_in(PyObject *Py_UNUSED(self), PyObject *text) { return literal_in(&cfg.hints, text); }
static PyObject *hosts_in(PyObject *Py_UNUSED(self), PyObject *text) { return literal_in(&cfg.hosts, text); }

/* ancestry(address) -> ancestry_bits() of the node at a candidate's address, from walk(),
 * or a selectolax node's mem_id: its tree must be alive. */
static PyObject *ancestry(PyObject *Py_UNUSED(self), PyObject *arg) {
    if (!lx.bound || !cfg.configured) {
        PyErr_SetString(PyExc_RuntimeError, "prefilter not bound and configured");
        return NULL;
    }
    lxb_node *node = (lxb_node *)(uintptr_t)PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromLong(ancestry_bits(node));
}

/* The text selectolax's text(deep=True) gives for a node (its own data for a text node,
 * else its descendants' text nodes, in order) into buf, unless it has more than `limit`
 * characters: counted from below (a byte that does not continue a UTF-8 sequence starts
 * one, whatever decoding with "replace" makes of the rest), so "longer" is certain.
 * Returns 1 when longer, 0 with the text in buf, -1 on a memory error. */
static int short_text_of(lxb_node *node, Py_ssize_t limit, buffer *buf) {
    Py_ssize_t chars = 0;
    buf->len = 0;
    /* (a text node: only its own data) */
    for (lxb_node *at = node->type == NODE_TEXT ? node : node->first_child; at;
         at = at == node ? NULL : next_within(node, at)) {
        if (at->type != NODE_TEXT) continue;
        const lx_str *data = &((lx_character_data *)at)->data;
        size_t length = data->data ? data->length : 0;
        for (size_t i = 0; i < length; i++) chars += (data->data[i] & 0xC0) != 0x80;
        if (chars > limit) return 1;
        if (buffer_add(buf, data->data, length) < 0) { PyErr_NoMemory(); return -1; }
    }
    return 0;
}

/* notice_boxes(address, limit) -> bits: 1, 2, 4 when the node's previous sibling, next
 * sibling, parent (in that order) may show a consent tool's notice: its text is at most
 * `limit` characters and holds a notice word (any ASCII case). The boxes
 * consent.placeholder_text_tool() reads; the others cannot match. */
static PyObject *notice_boxes(PyObject *Py_UNUSED(self), PyObject *args) {
    unsigned long long address;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "Kn", &address, &limit)) return NULL;
    if (!cfg.configured) { PyErr_SetString(PyExc_RuntimeError, "prefilter not configured"); return NULL; }
    lxb_node *node = (lxb_node *)(uintptr_t)address;
    long bits = 0;
    buffer text = {NULL, 0, 0};
    if (node) {
        lxb_node *boxes[3] = {node->prev, node->next, node->parent};
        for (int k = 0; k < 3; k++) {
            if (!boxes[k]) continue;
            int longer = short_text_of(boxes[k], limit, &text);
            if (longer < 0) { PyMem_Free(text.data); return NULL; }
            if (!longer && needles_in(&cfg.notice_words, text.data, text.len, 1)) bits |= 1L << k;
        }
    }
    PyMem_Free(text.data);
    return PyLong_FromLong(bits);
}

/* ---- a candidate's markup, text and links, as selectolax gives them ---------------- */

static unsigned int serialized(const unsigned char *data, size_t len, void *ctx) {
    return buffer_add((buffer *)ctx, data, len) < 0 ? 1 : 0;  /* (lexbor: 0 is "ok") */
}

static lxb_node *node_at(PyObject *arg) {
    if (!lx.bound) { PyErr_SetString(PyExc_RuntimeError, "prefilter not bound"); return NULL; }
    lxb_node *node = (lxb_node *)(uintptr_t)PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) return NULL;  /* not an address (and no (unsigned long long)-1 to read) */
    if (!node) PyErr_SetString(PyExc_ValueError, "no node at address 0");
    return node;
}

/* The buffer's UTF-8 as a str (bytes lexbor passed through undecoded become U+FFFD, as in
 * selectolax); the buffer is freed. */
static PyObject *buffer_str(buffer *out) {
    PyObject *text = PyUnicode_DecodeUTF8((const char *)(out->data ? out->data : (unsigned char *)""),
                                          (Py_ssize_t)out->len, "replace");
    PyMem_Free(out->data);
    out->data = NULL;
    return text;
}

/* node_html(address) -> the node's markup: selectolax's .html of an element. */
static PyObject *node_html(PyObject *Py_UNUSED(self), PyObject *arg) {
    lxb_node *node = node_at(arg);
    if (!node) return NULL;
    buffer out = {NULL, 0, 0};
    if (lx.serialize_tree(node, serialized, &out) != 0) {
        PyMem_Free(out.data);
        return PyErr_NoMemory();
    }
    return buffer_str(&out);
}

/* node_text(address, separator) -> selectolax's text(deep=True, separator=separator) of an
 * element: its descendants' text nodes in tree order, the separator between them. */
static PyObject *node_text(PyObject *Py_UNUSED(self), PyObject *args) {
    unsigned long long address;
    const char *separator;
    Py_ssize_t separator_len;
    if (!PyArg_ParseTuple(args, "Ks#", &address, &separator, &separator_len)) return NULL;
    lxb_node *node = (lxb_node *)(uintptr_t)address;
    if (!node) { PyErr_SetString(PyExc_ValueError, "no node at address 0"); return NULL; }
    buffer out = {NULL, 0, 0};
    int count = 0;
    for (lxb_node *at = node->first_child; at; at = next_within(node, at)) {
        if (at->type != NODE_TEXT) continue;
        const lx_str *data = &((lx_character_data *)at)->data;
        if (!data->data) continue;
        if ((count++ && buffer_add(&out, (const unsigned char *)separator, (size_t)separator_len) < 0)
            || buffer_add(&out, data->data, data->length) < 0) {
            PyMem_Free(out.data);
            return PyErr_NoMemory();
        }
    }
    return buffer_str(&out);
}

/* node_links(address) -> [href, ...]: for the <a> elements (of any namespace) with an
 * attribute named href (of any namespace: an SVG xlink:href counts) in the node's subtree,
 * itself included, in tree order, their plain href attribute or "": what
 * [a.attributes.get("href") or "" for a in node.css("a[href]")] gives. */
static PyObject *node_links(PyObject *Py_UNUSED(self), PyObject *arg) {
    lxb_node *node = node_at(arg);
    if (!node) return NULL;
    PyObject *links = PyList_New(0);
    if (!links) return NULL;
    for (lxb_node *at = node; at; at = next_within(node, at)) {
        if (at->type != NODE_ELEMENT) continue;
        size_t n = 0;
        const unsigned char *name = lx.element_local_name(at, &n);
        if (!name || !bytes_eq(name, n, "a")) continue;
        int has_href = 0;
        const unsigned char *value = NULL;
        size_t value_len = 0;
        for (lx_attr *attr = lx.first_attr(at); attr; attr = attr->next) {
            size_t len = 0;
            const unsigned char *local = lx.attr_local_name(attr, &len);
            if (!local || !bytes_eq(local, len, "href")) continue;
            has_href = 1;
            const unsigned char *qualified = lx.attr_name(attr, &len);
            if (!value && qualified && bytes_eq(qualified, len, "href")) value = attr_value(attr, &value_len);
        }
        if (!has_href) continue;
        PyObject *href = PyUnicode_DecodeUTF8((const char *)(value ? value : (const unsigned char *)""),
                                              (Py_ssize_t)(value ? value_len : 0), "replace");
        if (!href || PyList_Append(links, href) < 0) {
            Py_XDECREF(href);
            Py_DECREF(links);
            return NULL;
        }
        Py_DECREF(href);
    }
    return links;
}

/* simd(enabled) -> whether literal search now uses AVX2 (it does where the CPU has it;
 * tests turn it off to compare with the table scan). */
static PyObject *simd(PyObject *Py_UNUSED(self), PyObject *arg) {
    int enabled = PyObject_IsTrue(arg);
    if (enabled < 0) return NULL;
#ifdef HAVE_AVX2_PATH
    __builtin_cpu_init();
    use_avx2 = enabled && __builtin_cpu_supports("avx2");
    return PyBool_FromLong(use_avx2);
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"simd", simd, METH_O, "simd(enabled) -> whether literal search uses AVX2."},
    {"ancestry", ancestry, METH_O, "ancestry(address) -> 1 inside <noscript>, | 2 inside a feed or sidebar."},
    {"node_html", node_html, METH_O, "node_html(address) -> the element's markup (selectolax's .html)."},
    {"node_text", node_text, METH_VARARGS, "node_text(address, separator) -> text(deep=True, separator=...)."},
    {"node_links", node_links, METH_O, "node_links(address) -> hrefs of the <a href> in the subtree (css('a[href]'))."},
    {"notice_boxes", notice_boxes, METH_VARARGS,
     "notice_boxes(address, limit) -> bits for previous sibling, next sibling, parent that may show a notice."},
    {"hints_in", hints_in, METH_O, "hints_in(text) -> whether one of the configured hint literals occurs."},
    {"hosts_in", hosts_in, METH_O, "hosts_in(text) -> whether one of the configured host literals occurs."},
    {"bind", bind, METH_O, "bind(path): find lexbor's functions in selectolax's loaded extension module."},
    {"configure", configure, METH_O, "configure(dict): tag groups, attribute names and literals of the rules."},
    {"walk", walk, METH_VARARGS,
     "walk(root_mem_id, linked, top, limit, max_path_steps, every=False) -> (count, candidates, complete)."},
    {"json_value", json_value, METH_VARARGS, "json_value(text, start) -> the UTF-8 of the JSON container there."},
    {"json_index", json_index, METH_VARARGS,
     "json_index(text, start, byte_offset, prune_min, max_depth) -> (members, [(ordinal, begin, end, index)])."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_prefilter", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__prefilter(void) {
#ifdef HAVE_AVX2_PATH
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2");
#endif
    return PyModule_Create(&module);
}
