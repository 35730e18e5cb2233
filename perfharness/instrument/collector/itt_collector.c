/*
 * perfharness ITT collector: a tiny stand-in for VTune's collector library.
 *
 * Every copy of the ITT static part (ittnotify_static.c: in ittapi's Python extension, in OpenVINO,
 * in TBB, ...) loads the library named by INTEL_LIBITTNOTIFY64 on its first ITT call. When that
 * library exports `__itt_api_init`, the static part calls it once with its `__itt_global` (whose
 * `api_list_ptr` lists every API entry: name, address of the function pointer, ...) and the library
 * fills in the pointers of the entries it implements; the others keep the static part's stubs.
 *
 * Events go to the file named by PERFHARNESS_ITT_LOG, one line per event, one write(2) per line
 * (no user-space buffer: a killed process leaves every complete line behind):
 *
 *     kind <TAB> name <TAB> thread id <TAB> CLOCK_MONOTONIC ns <TAB> domain
 *
 * kinds: init, domain, string, begin, end, frame_begin, frame_end, pause, resume. `end` carries the
 * name of the task it closes (a per-thread stack; ITT's task_end has no name) and is written exactly
 * when its `begin` was. Task and frame events are dropped while collection is paused, as VTune
 * does; PERFHARNESS_ITT_START_PAUSED=1 starts paused like `vtune -start-paused`.
 * PERFHARNESS_ITT_MAX_FOREIGN=N keeps at most N tasks of other libraries' domains (all but
 * "perfharness*"): OpenVINO logs hundreds of tasks per inference, which a long run cannot keep.
 *
 * Build: cc -shared -fPIC -O2 -o libperfharness_itt.so itt_collector.c
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* Layouts from intel/ittapi include/ittnotify.h and src/ittnotify/ittnotify_config.h (pack 8). */
typedef struct ___itt_domain {
    volatile int flags;
    const char *nameA;
    void *nameW;
    int extra1;
    void *extra2;
    struct ___itt_domain *next;
} __itt_domain;

typedef struct ___itt_string_handle {
    const char *strA;
    void *strW;
    int extra1;
    void *extra2;
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

static int log_fd = -1;
static volatile int paused;
static long max_foreign = -1; /* -1: no limit */
static long foreign_tasks;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __itt_domain *domains;
static __itt_string_handle *strings;

#define MAX_DEPTH 256
static __thread const char *task_stack[MAX_DEPTH];
static __thread char task_written[MAX_DEPTH];
static __thread int task_depth;

static void open_log(void) {
    const char *path = getenv("PERFHARNESS_ITT_LOG");
    const char *start_paused = getenv("PERFHARNESS_ITT_START_PAUSED");
    const char *limit = getenv("PERFHARNESS_ITT_MAX_FOREIGN");
    if (path && *path)
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    paused = start_paused && start_paused[0] == '1';
    if (limit && *limit)
        max_foreign = atol(limit);
}

static void emit(const char *kind, const char *name, const char *domain) {
    char line[1024];
    struct timespec ts;
    int n;
    if (log_fd < 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    n = snprintf(line, sizeof line, "%s\t%s\t%ld\t%lld\t%s\n", kind, name ? name : "",
                 (long)syscall(SYS_gettid), (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
                 domain ? domain : "");
    if (n >= (int)sizeof line) { /* overlong name: keep the line well formed */
        n = (int)sizeof line - 1;
        line[n - 1] = '\n';
    }
    if (n > 0 && write(log_fd, line, (size_t)n) < 0) { /* nothing sensible to do */ }
}

static const char *dname(const __itt_domain *d) { return d && d->nameA ? d->nameA : ""; }

static char *copy_clean(const char *name) { /* tabs and newlines would break the line format */
    char *copy = strdup(name), *p;
    for (p = copy; p && *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
    return copy;
}

static __itt_domain *domain_create(const char *name) {
    __itt_domain *d;
    if (!name) return NULL;
    pthread_mutex_lock(&lock);
    for (d = domains; d; d = d->next)
        if (!strcmp(d->nameA, name)) break;
    if (!d && (d = calloc(1, sizeof *d)) != NULL) {
        d->flags = 1;
        d->nameA = copy_clean(name);
        d->next = domains;
        domains = d;
        emit("domain", d->nameA, d->nameA);
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
        h->next = strings;
        strings = h;
        emit("string", h->strA, "");
    }
    pthread_mutex_unlock(&lock);
    return h;
}

/* Handles made by a static part before it loaded us have the same layout, so names read alike. */
static int kept(const __itt_domain *d) {
    if (max_foreign < 0 || strncmp(dname(d), "perfharness", 11) == 0)
        return 1;
    return __atomic_add_fetch(&foreign_tasks, 1, __ATOMIC_RELAXED) <= max_foreign;
}

static void task_begin(const __itt_domain *d, __itt_id id, __itt_id parent, __itt_string_handle *name) {
    const char *n = name && name->strA ? name->strA : "?";
    int write_it = !paused && kept(d);
    (void)id;
    (void)parent;
    if (task_depth < MAX_DEPTH) {
        task_stack[task_depth] = n;
        task_written[task_depth] = (char)write_it;
    }
    task_depth++;
    if (write_it) emit("begin", n, dname(d));
}

static void task_end(const __itt_domain *d) {
    const char *n = "?";
    int written = 0;
    if (task_depth > 0) {
        task_depth--;
        if (task_depth < MAX_DEPTH) {
            n = task_stack[task_depth];
            written = task_written[task_depth];
        }
    }
    if (written) emit("end", n, dname(d)); /* the end of every begin written, paused or not */
}

static void frame_begin_v3(const __itt_domain *d, __itt_id *id) {
    (void)id;
    if (!paused) emit("frame_begin", dname(d), dname(d));
}

static void frame_end_v3(const __itt_domain *d, __itt_id *id) {
    (void)id;
    if (!paused) emit("frame_end", dname(d), dname(d));
}

static void pause_collection(void) {
    paused = 1;
    emit("pause", "", "");
}

static void resume_collection(void) {
    paused = 0;
    emit("resume", "", "");
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
    char version[64];
    (void)init_groups;
    pthread_once(&once, open_log);
    if (!global || memcmp(global->magic, ITT_MAGIC, sizeof ITT_MAGIC) != 0 || global->version_major != 3)
        return; /* an ITT static part we do not know: leave its stubs alone */
    for (api = global->api_list_ptr; api && api->name; api++)
        for (i = 0; i < sizeof implemented / sizeof implemented[0]; i++)
            if (!strcmp(api->name, implemented[i].name)) *api->func_ptr = implemented[i].func;
    snprintf(version, sizeof version, "%lu.%lu.%lu", global->version_major, global->version_minor,
             global->version_build);
    emit("init", version, "");
}
