/*
 * perfharness ITT collector: a tiny stand-in for VTune's collector library.
 *
 * Every copy of the ITT static part (ittnotify_static.c: in ittapi's Python extension, in OpenVINO,
 * in TBB, ...) loads the library named by INTEL_LIBITTNOTIFY64 on its first ITT call. When that
 * library exports `__itt_api_init`, the static part calls it once with its `__itt_global` (whose
 * `api_list_ptr` lists every API entry: name, address of the function pointer, ...) and the library
 * fills in the pointers of the entries it implements; the others keep the static part's stubs.
 *
 * A log is two files (PERFHARNESS_ITT_LOG=PATH), created by the first process that loads the
 * collector (O_EXCL: the processes it starts inherit the environment but log nothing):
 *
 *   PATH       binary event records in a shared file mapping: no system call per event, and the
 *              pages of a MAP_SHARED mapping are the file's page cache, so a killed process leaves
 *              every completed record behind. The file is a sequence of 24 KiB blocks; a thread
 *              takes a block under a mutex and fills it alone, and unmaps its pages from the
 *              process once full (MADV_DONTNEED), so resident memory does not grow with the log.
 *              A record is 24 bytes:
 *                  u64 head = kind | domain id << 16 | name id << 32,  u32 thread id,  u32 0,
 *                  u64 CLOCK_MONOTONIC ns
 *              `head` is stored last (one release store), so a record whose kind is 0 was never
 *              completed (the unused rest of a block, or a record cut short by SIGKILL): readers
 *              skip it. Record 0 of block 0 is the header (kind 0x7f, ts = "PHITTLG1" magic).
 *   PATH.meta  text, one line per rare event, each written with one write(2):
 *                  init <TAB> ITT version | domain <TAB> id <TAB> name | string <TAB> id <TAB> name
 *                  cap <TAB> N <TAB> ns (the foreign-task cap was reached then) | full <TAB> why
 *
 * kinds: 1 begin, 2 end, 3 frame_begin, 4 frame_end, 5 pause, 6 resume. `end` carries the name of
 * the task it closes (a per-thread stack; ITT's task_end has no name) and is written exactly when
 * its `begin` was. Task and frame events are dropped while collection is paused, as VTune does;
 * PERFHARNESS_ITT_START_PAUSED=1 starts paused like `vtune -start-paused`.
 * PERFHARNESS_ITT_MAX_FOREIGN=N keeps at most N tasks of other libraries' domains (all but
 * "perfharness*"): OpenVINO logs hundreds of tasks per inference, which a long run cannot keep.
 * PERFHARNESS_ITT_FOREIGN_EVERY=K keeps other libraries' tasks only while every K-th ITT frame
 * (frame_begin .. next frame_begin) runs: recording them is what costs (~3 % of a frame with
 * OpenVINO's per-layer tasks), so the other frames run at the cost of a call that records
 * nothing. A frame_begin record carries name id 1 when its frame keeps them, else 0.
 * PERFHARNESS_ITT_DROP_DOMAINS=prefix,prefix,... disables the domains whose names start so: a
 * disabled domain's flag is 0, and the ITT macros of every static part test that flag before
 * calling the collector, so those tasks cost their callers nothing at all.
 * perfharness_itt_set_enabled(0) disables every domain (ITT then costs what it costs with no
 * collector attached) and (1) enables them again, but the dropped ones: an in-process A/B switch.
 *
 * Build: cc -shared -fPIC -O2 -o libperfharness_itt.so itt_collector.c -lpthread
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Layouts from intel/ittapi include/ittnotify.h and src/ittnotify/ittnotify_config.h (pack 8). */
typedef struct ___itt_domain {
    volatile int flags;
    const char *nameA;
    void *nameW;
    int extra1; /* reserved to the collector: our domain id */
    void *extra2; /* reserved to the collector: &OURS when we made it */
    struct ___itt_domain *next;
} __itt_domain;

typedef struct ___itt_string_handle {
    const char *strA;
    void *strW;
    int extra1; /* our string id */
    void *extra2; /* &OURS when we made it */
    struct ___itt_string_handle *next;
} __itt_string_handle;

typedef struct ___itt_id {
    unsigned long long d1, d2, d3;
} __itt_id;

typedef struct ___itt_api_info {
    const char *name;
    void **func_ptr;
    void *init_func;
    void *null_func;
    int group;
} __itt_api_info;

typedef struct ___itt_global {
    unsigned char magic[8];
    unsigned long version_major;
    unsigned long version_minor;
    unsigned long version_build;
    volatile long api_initialized;
    volatile long mutex_initialized;
    volatile long atomic_counter;
    pthread_mutex_t mutex;
    void *lib;
    void *error_handler;
    const char **dll_path_ptr;
    __itt_api_info *api_list_ptr;
    /* further fields are not used here */
} __itt_global;

static const unsigned char ITT_MAGIC[8] = {0xED, 0xAB, 0xAB, 0xEC, 0x0D, 0xEE, 0xDA, 0x30};

enum { BEGIN = 1, END = 2, FRAME_BEGIN = 3, FRAME_END = 4, PAUSE = 5, RESUME = 6, HEADER = 0x7f };

typedef struct {
    uint64_t head; /* kind | domain << 16 | name << 32; stored last */
    uint32_t tid;
    uint32_t reserved;
    uint64_t ts_ns;
} record_t;

#define LOG_MAGIC 0x31474c5454494850ULL /* "PHITTLG1" little-endian */
#define BLOCK_RECORDS 1024 /* 24 KiB: six pages */
#define BLOCK_BYTES (BLOCK_RECORDS * sizeof(record_t))
#define SEGMENT_BLOCKS 256 /* 6 MiB mapped (and allocated on disk) at a time */
#define MAX_SEGMENTS 1024 /* 6 GiB at most; then events are dropped and the .meta file says so */

static char OURS;
static int log_fd = -1, meta_fd = -1;
static volatile int logging; /* 0 until the log is open, and in forked children */
static volatile int paused;
static volatile int enabled = 1;
static long max_foreign = -1; /* -1: no limit */
static long foreign_every = 1; /* keep other libraries' tasks during every K-th frame */
static long frames_begun;
static volatile int foreign_frame = 1; /* whether the current frame keeps them */
static long foreign_tasks; /* taken from the cap, in batches */
static int cap_reached;
static char *drop_prefixes; /* comma-separated, owned */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __itt_domain *domains;
static __itt_string_handle *strings;
static int next_domain_id = 1, next_string_id = 1;
static char domain_is_ours[0x10000]; /* by domain id: a "perfharness*" domain (never capped) */
static record_t *segments[MAX_SEGMENTS];
static long blocks_mapped, blocks_used;

#define MAX_DEPTH 256
#define BUDGET_BATCH 256 /* foreign tasks a thread takes from the shared cap at a time */

typedef struct { /* everything of one thread, in one TLS object: one lookup per call */
    record_t *block;
    int next; /* records used in block */
    uint32_t tid;
    long budget; /* foreign tasks this thread may still record before taking more */
    int depth; /* open tasks */
    uint32_t name[MAX_DEPTH], domain[MAX_DEPTH]; /* ids of the open tasks */
    char written[MAX_DEPTH]; /* whether their begin was recorded */
} thread_state;

static __thread thread_state self;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void meta_line(const char *line, size_t length) {
    if (meta_fd >= 0 && write(meta_fd, line, length) < 0) { /* nothing sensible to do */ }
}

static void log_full(const char *why) { /* under lock */
    char line[128];
    int n;
    if (!logging) return;
    logging = 0;
    n = snprintf(line, sizeof line, "full\t%s\n", why);
    meta_line(line, (size_t)n);
}

static int map_segment(void) { /* under lock */
    long segment = blocks_mapped / SEGMENT_BLOCKS;
    off_t offset = (off_t)blocks_mapped * (off_t)BLOCK_BYTES;
    size_t bytes = (size_t)SEGMENT_BLOCKS * BLOCK_BYTES;
    void *pages;
    if (segment >= MAX_SEGMENTS) {
        log_full("log size limit reached");
        return 0;
    }
    /* real disk blocks now, so that a full disk is an error here and never a SIGBUS on a store */
    if (posix_fallocate(log_fd, offset, (off_t)bytes) != 0) {
        log_full("cannot grow the log file (disk full?)");
        return 0;
    }
    pages = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, log_fd, offset);
    if (pages == MAP_FAILED) {
        log_full("cannot map the log file");
        return 0;
    }
    segments[segment] = pages;
    blocks_mapped += SEGMENT_BLOCKS;
    return 1;
}

static int take_block(thread_state *t) {
    long block;
    /* A full block is done with: drop its pages from this process (they stay in the file's page
     * cache and go to disk), so a long run's resident memory does not grow with its log. */
    if (t->block) madvise(t->block, BLOCK_BYTES, MADV_DONTNEED);
    pthread_mutex_lock(&lock);
    if (!logging || (blocks_used == blocks_mapped && !map_segment())) {
        pthread_mutex_unlock(&lock);
        return 0;
    }
    block = blocks_used++;
    pthread_mutex_unlock(&lock);
    t->block = segments[block / SEGMENT_BLOCKS] + (block % SEGMENT_BLOCKS) * BLOCK_RECORDS;
    t->next = 0;
    if (!t->tid) t->tid = (uint32_t)syscall(SYS_gettid);
    return 1;
}

static void emit_at(thread_state *t, unsigned kind, unsigned domain, unsigned name, uint64_t ts) {
    record_t *r;
    if (!logging) return;
    if ((!t->block || t->next == BLOCK_RECORDS) && !take_block(t)) return;
    r = &t->block[t->next++];
    r->tid = t->tid;
    r->ts_ns = ts;
    __atomic_store_n(&r->head, (uint64_t)kind | (uint64_t)domain << 16 | (uint64_t)name << 32, __ATOMIC_RELEASE);
}

static void emit(thread_state *t, unsigned kind, unsigned domain, unsigned name) {
    emit_at(t, kind, domain, name, now_ns());
}

static void child_after_fork(void) { logging = 0; } /* a forked child must not write into our blocks */

static void open_log(void) {
    const char *path = getenv("PERFHARNESS_ITT_LOG");
    const char *start_paused = getenv("PERFHARNESS_ITT_START_PAUSED");
    const char *limit = getenv("PERFHARNESS_ITT_MAX_FOREIGN");
    const char *every = getenv("PERFHARNESS_ITT_FOREIGN_EVERY");
    const char *drop = getenv("PERFHARNESS_ITT_DROP_DOMAINS");
    char meta[4096];
    paused = start_paused && start_paused[0] == '1';
    if (limit && *limit) max_foreign = atol(limit);
    if (every && atol(every) > 1) foreign_every = atol(every);
    if (drop && *drop) drop_prefixes = strdup(drop);
    if (!path || !*path) return;
    if (snprintf(meta, sizeof meta, "%s.meta", path) >= (int)sizeof meta) return;
    /* O_EXCL: the first process to load the collector owns the log. Its children inherit the
     * environment (multiprocessing workers import OpenVINO, whose ITT part then loads us): they
     * must neither truncate the file under the owner's mapping (a SIGBUS) nor write into it. */
    log_fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (log_fd < 0) return;
    meta_fd = open(meta, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (meta_fd < 0) return;
    pthread_atfork(NULL, NULL, child_after_fork);
    logging = 1;
    emit_at(&self, HEADER, 0, 0, LOG_MAGIC); /* record 0 of block 0 */
}



static char *copy_clean(const char *name) { /* tabs and newlines would break the .meta line format */
    char *copy = strdup(name), *p;
    for (p = copy; p && *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
    return copy;
}

static void meta_name(const char *kind, int id, const char *name) { /* under lock */
    char line[1100];
    int n = snprintf(line, sizeof line, "%s\t%d\t%.1000s\n", kind, id, name);
    meta_line(line, (size_t)n);
}

static int dropped(const char *name) {
    const char *p = drop_prefixes;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t length = comma ? (size_t)(comma - p) : strlen(p);
        if (length && strncmp(name, p, length) == 0) return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int domain_flags(const __itt_domain *d) { return enabled && !dropped(d->nameA); }

static __itt_domain *domain_create(const char *name) {
    __itt_domain *d;
    if (!name) return NULL;
    pthread_mutex_lock(&lock);
    for (d = domains; d; d = d->next)
        if (!strcmp(d->nameA, name)) break;
    if (!d && next_domain_id < 0xffff && (d = calloc(1, sizeof *d)) != NULL) {
        d->nameA = copy_clean(name);
        d->extra1 = next_domain_id++;
        d->extra2 = &OURS;
        domain_is_ours[d->extra1] = strncmp(d->nameA, "perfharness", 11) == 0;
        d->flags = domain_flags(d);
        d->next = domains;
        domains = d;
        meta_name("domain", d->extra1, d->nameA);
    }
    pthread_mutex_unlock(&lock);
    return d;
}

static __itt_string_handle *string_handle_create(const char *name) {
    __itt_string_handle *h;
    if (!name) return NULL;
    pthread_mutex_lock(&lock);
    for (h = strings; h; h = h->next)
        if (!strcmp(h->strA, name)) break;
    if (!h && (h = calloc(1, sizeof *h)) != NULL) {
        h->strA = copy_clean(name);
        h->extra1 = next_string_id++;
        h->extra2 = &OURS;
        h->next = strings;
        strings = h;
        meta_name("string", h->extra1, h->strA);
    }
    pthread_mutex_unlock(&lock);
    return h;
}

/* Handles a static part made before it loaded us (same layout) get ids on first use. */
static unsigned domain_id(const __itt_domain *d) {
    const __itt_domain *ours = d && d->extra2 != &OURS ? domain_create(d->nameA) : d;
    return ours ? (unsigned)ours->extra1 : 0;
}

static unsigned string_id(const __itt_string_handle *h) {
    const __itt_string_handle *ours = h && h->extra2 != &OURS ? string_handle_create(h->strA) : h;
    return ours ? (unsigned)ours->extra1 : 0;
}

static int kept(thread_state *t, unsigned domain) {
    long taken;
    if (domain_is_ours[domain])
        return 1;
    if (!foreign_frame)
        return 0;
    if (max_foreign < 0)
        return 1;
    if (t->budget > 0) {
        t->budget--;
        return 1;
    }
    /* take a batch from the shared cap: one atomic operation per BUDGET_BATCH tasks */
    taken = __atomic_fetch_add(&foreign_tasks, BUDGET_BATCH, __ATOMIC_RELAXED);
    if (taken >= max_foreign) {
        if (!__atomic_exchange_n(&cap_reached, 1, __ATOMIC_RELAXED)) { /* the first refusal: say when */
            char line[96];
            int n = snprintf(line, sizeof line, "cap\t%ld\t%llu\n", max_foreign, (unsigned long long)now_ns());
            meta_line(line, (size_t)n);
        }
        return 0;
    }
    t->budget = (taken + BUDGET_BATCH <= max_foreign ? BUDGET_BATCH : max_foreign - taken) - 1;
    return 1;
}

static void task_begin(const __itt_domain *d, __itt_id id, __itt_id parent, __itt_string_handle *name) {
    thread_state *t = &self;
    unsigned domain = domain_id(d), string = string_id(name);
    int write_it = !paused && logging && kept(t, domain);
    (void)id;
    (void)parent;
    if (t->depth < MAX_DEPTH) {
        t->name[t->depth] = string;
        t->domain[t->depth] = domain;
        t->written[t->depth] = (char)write_it;
    }
    t->depth++;
    if (write_it) emit(t, BEGIN, domain, string);
}

static void task_end(const __itt_domain *d) {
    thread_state *t = &self;
    (void)d;
    if (t->depth > 0) {
        t->depth--;
        /* the end of every begin written, paused or not */
        if (t->depth < MAX_DEPTH && t->written[t->depth])
            emit(t, END, t->domain[t->depth], t->name[t->depth]);
    }
}

static void frame_begin_v3(const __itt_domain *d, __itt_id *id) {
    (void)id;
    if (paused) return;
    foreign_frame = __atomic_fetch_add(&frames_begun, 1, __ATOMIC_RELAXED) % foreign_every == 0;
    emit(&self, FRAME_BEGIN, domain_id(d), (unsigned)foreign_frame);
}

static void frame_end_v3(const __itt_domain *d, __itt_id *id) {
    (void)id;
    if (!paused) emit(&self, FRAME_END, domain_id(d), 0);
}

static void pause_collection(void) {
    paused = 1;
    emit(&self, PAUSE, 0, 0);
}

static void resume_collection(void) {
    paused = 0;
    emit(&self, RESUME, 0, 0);
}

static const struct {
    const char *name;
    void *func;
} implemented[] = {
    {"__itt_domain_create", (void *)domain_create},
    {"__itt_string_handle_create", (void *)string_handle_create},
    {"__itt_task_begin", (void *)task_begin},
    {"__itt_task_end", (void *)task_end},
    {"__itt_frame_begin_v3", (void *)frame_begin_v3},
    {"__itt_frame_end_v3", (void *)frame_end_v3},
    {"__itt_pause", (void *)pause_collection},
    {"__itt_resume", (void *)resume_collection},
};

EXPORT void __itt_api_init(__itt_global *global, int init_groups) {
    __itt_api_info *api;
    size_t i;
    char line[96];
    int n;
    (void)init_groups;
    pthread_once(&once, open_log);
    if (!global || memcmp(global->magic, ITT_MAGIC, sizeof ITT_MAGIC) != 0 || global->version_major != 3)
        return; /* an ITT static part we do not know: leave its stubs alone */
    for (api = global->api_list_ptr; api && api->name; api++)
        for (i = 0; i < sizeof implemented / sizeof implemented[0]; i++)
            if (!strcmp(api->name, implemented[i].name)) *api->func_ptr = implemented[i].func;
    n = snprintf(line, sizeof line, "init\t%lu.%lu.%lu\n", global->version_major, global->version_minor,
                 global->version_build);
    meta_line(line, (size_t)n);
}

/* Switch every domain off (0) or back on (1): call it between frames, with no task open. */
EXPORT void perfharness_itt_set_enabled(int on) {
    __itt_domain *d;
    pthread_once(&once, open_log);
    pthread_mutex_lock(&lock);
    enabled = on != 0;
    for (d = domains; d; d = d->next)
        d->flags = domain_flags(d);
    pthread_mutex_unlock(&lock);
}
