/* Tests for http/router: literal routes, {name} and {name...} parameters, HEAD on GET routes,
 * 405 with the allowed methods, 404, trailing and empty segments, first-added-wins order, and the
 * tags routes carry (the web face's policy actions) with the listing of routes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/str.h"
#include "http/router.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Handlers are never called; only their addresses are compared. */
static void h_root(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_health(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_prog_new(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_prog(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_prog_delete(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_phase(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_static(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_submit(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_axb(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_ayz(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_files(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_list(struct http_request *q, struct http_response *r) { (void)q; (void)r; }
static void h_options(struct http_request *q, struct http_response *r) { (void)q; (void)r; }

static struct router *build(void)
{
    struct router *r = router_new();
    router_add(r, HTTP_GET, "/", h_root);
    router_add(r, HTTP_GET, "/healthz", h_health);
    router_add(r, HTTP_GET, "/programmes/", h_list);               /* trailing '/' in a pattern */
    router_add(r, HTTP_GET, "/programmes/new", h_prog_new);        /* before {id}: it wins */
    router_add(r, HTTP_GET | HTTP_POST, "/programmes/{id}", h_prog);
    router_add(r, HTTP_DELETE, "/programmes/{id}", h_prog_delete); /* same path, other method */
    router_add(r, HTTP_GET, "/programmes/{id}/phases/{pos}", h_phase);
    router_add(r, HTTP_GET, "/static/{file...}", h_static);
    router_add(r, HTTP_POST, "/submit", h_submit);
    router_add(r, HTTP_GET, "/a/{x}/b", h_axb);
    router_add(r, HTTP_GET, "/a/{y}/{z}", h_ayz);
    router_add(r, HTTP_PUT | HTTP_PATCH, "//files//{path...}", h_files); /* doubled '/' in a pattern */
    router_add(r, HTTP_OPTIONS, "/healthz", h_options);
    return r;
}

/* params as "name=value;name=value" */
static const char *params_text(struct arena *a, const struct http_params *p)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 16);
    for (size_t i = 0; i < p->count; i++)
        strbuf_printf(&sb, "%s%s=%s", i ? ";" : "", p->items[i].name, p->items[i].value);
    return sb.data;
}

enum { GET = HTTP_GET, HEAD = HTTP_HEAD, POST = HTTP_POST, PUT = HTTP_PUT, DEL = HTTP_DELETE,
       PATCH = HTTP_PATCH, OPT = HTTP_OPTIONS };
#define FOUND ROUTER_FOUND
#define NOTFOUND ROUTER_NOT_FOUND
#define NOTALLOWED ROUTER_METHOD_NOT_ALLOWED

static const struct {
    unsigned method;
    const char *path;
    enum router_result result;
    http_handler handler;   /* on FOUND */
    const char *params;     /* on FOUND */
    unsigned allowed;       /* on NOTALLOWED */
} cases[] = {
    /* literal routes */
    {GET, "/", FOUND, h_root, "", 0},
    {GET, "", FOUND, h_root, "", 0},
    {GET, "/healthz", FOUND, h_health, "", 0},
    {OPT, "/healthz", FOUND, h_options, "", 0},
    {GET, "/HEALTHZ", NOTFOUND, NULL, NULL, 0},          /* case matters */
    {GET, "/health", NOTFOUND, NULL, NULL, 0},
    {GET, "/healthzz", NOTFOUND, NULL, NULL, 0},
    {GET, "/healthz/x", NOTFOUND, NULL, NULL, 0},
    {GET, "/nothing/here", NOTFOUND, NULL, NULL, 0},
    /* HEAD is answered by GET routes, and only by them */
    {HEAD, "/", FOUND, h_root, "", 0},
    {HEAD, "/healthz", FOUND, h_health, "", 0},
    {HEAD, "/programmes/42", FOUND, h_prog, "id=42", 0},
    {HEAD, "/static/app.css", FOUND, h_static, "file=app.css", 0},
    {HEAD, "/submit", NOTALLOWED, NULL, NULL, POST},
    /* trailing slashes: one is tolerated, on paths and patterns */
    {GET, "/healthz/", FOUND, h_health, "", 0},
    {GET, "/programmes", FOUND, h_list, "", 0},
    {GET, "/programmes/", FOUND, h_list, "", 0},
    {GET, "/programmes/42/", FOUND, h_prog, "id=42", 0},
    {GET, "/healthz//", NOTFOUND, NULL, NULL, 0},
    /* {id} parameters */
    {GET, "/programmes/42", FOUND, h_prog, "id=42", 0},
    {POST, "/programmes/42", FOUND, h_prog, "id=42", 0},
    {DEL, "/programmes/42", FOUND, h_prog_delete, "id=42", 0},
    {GET, "/programmes/01938a40-0000-7000-8000-00000000d001", FOUND, h_prog,
     "id=01938a40-0000-7000-8000-00000000d001", 0},
    {GET, "/programmes/a b", FOUND, h_prog, "id=a b", 0},  /* the path arrives decoded */
    {GET, "/programmes/été", FOUND, h_prog, "id=été", 0},
    {GET, "/programmes/42/phases/3", FOUND, h_phase, "id=42;pos=3", 0},
    {GET, "/programmes/42/phases", NOTFOUND, NULL, NULL, 0},
    {GET, "/programmes/42/phases/3/x", NOTFOUND, NULL, NULL, 0},
    {GET, "/programmes/42/other/3", NOTFOUND, NULL, NULL, 0},
    /* 405 with the mask of what the path answers (HEAD comes with GET) */
    {PUT, "/programmes/42", NOTALLOWED, NULL, NULL, GET | HEAD | POST | DEL},
    {PATCH, "/programmes/42/phases/3", NOTALLOWED, NULL, NULL, GET | HEAD},
    {POST, "/healthz", NOTALLOWED, NULL, NULL, GET | HEAD | OPT},
    {GET, "/submit", NOTALLOWED, NULL, NULL, POST},
    {POST, "/submit", FOUND, h_submit, "", 0},
    {POST, "/static/app.css", NOTALLOWED, NULL, NULL, GET | HEAD},
    {GET, "/files/a/b", NOTALLOWED, NULL, NULL, PUT | PATCH},
    {POST, "/nothing", NOTFOUND, NULL, NULL, 0},
    /* precedence: the first route added that matches wins */
    {GET, "/programmes/new", FOUND, h_prog_new, "", 0},
    {POST, "/programmes/new", FOUND, h_prog, "id=new", 0},  /* the literal route is GET only */
    {GET, "/a/1/b", FOUND, h_axb, "x=1", 0},
    {GET, "/a/1/c", FOUND, h_ayz, "y=1;z=c", 0},
    {GET, "/a/b/b", FOUND, h_axb, "x=b", 0},
    /* {name...} takes the rest of the path, which must not be empty */
    {GET, "/static/app.css", FOUND, h_static, "file=app.css", 0},
    {GET, "/static/css/print/app.css", FOUND, h_static, "file=css/print/app.css", 0},
    {GET, "/static/../../etc/passwd", FOUND, h_static, "file=../../etc/passwd", 0}, /* handler's to refuse */
    {GET, "/static/dir/", FOUND, h_static, "file=dir/", 0},
    {GET, "/static/", NOTFOUND, NULL, NULL, 0},
    {GET, "/static", NOTFOUND, NULL, NULL, 0},
    {PUT, "/files/x", FOUND, h_files, "path=x", 0},
    {PATCH, "/files/x/y/z", FOUND, h_files, "path=x/y/z", 0},
    /* leading slashes are skipped */
    {GET, "//healthz", FOUND, h_health, "", 0},
    /* empty segments never match a parameter or a literal */
    {GET, "/programmes//phases/3", NOTFOUND, NULL, NULL, 0},
    {GET, "/programmes//", NOTFOUND, NULL, NULL, 0},
    {GET, "/programmes/42/phases//", NOTFOUND, NULL, NULL, 0},
    {GET, "/a//b", NOTFOUND, NULL, NULL, 0},
    {GET, "/healthz//x", NOTFOUND, NULL, NULL, 0},
    {GET, "/static//etc/passwd", NOTFOUND, NULL, NULL, 0},
    {GET, "/programmes///", NOTFOUND, NULL, NULL, 0},
};

static void test_table(void **state)
{
    (void)state;
    struct router *r = build();
    struct arena a;
    arena_init(&a, 1024);
    for (size_t i = 0; i < COUNT(cases); i++) {
        http_handler h = NULL;
        struct http_params params = {NULL, 12345};
        unsigned allowed = 0xDEAD;
        enum router_result res = router_match(r, cases[i].method, cases[i].path, &a, &h, &params, &allowed);
        if (res != cases[i].result)
            fail_msg("case %zu (%u %s): result %d, want %d", i, cases[i].method, cases[i].path, res,
                     cases[i].result);
        if (res == ROUTER_FOUND) {
            if (h != cases[i].handler) fail_msg("case %zu (%s): wrong handler", i, cases[i].path);
            const char *got = params_text(&a, &params);
            if (strcmp(got, cases[i].params) != 0)
                fail_msg("case %zu (%s): params \"%s\", want \"%s\"", i, cases[i].path, got, cases[i].params);
        } else {
            assert_null(h);
            if (res == ROUTER_METHOD_NOT_ALLOWED && allowed != cases[i].allowed)
                fail_msg("case %zu (%s): allowed 0x%x, want 0x%x", i, cases[i].path, allowed, cases[i].allowed);
            if (res == ROUTER_NOT_FOUND) assert_int_equal(allowed, 0);
        }
    }
    arena_free(&a);
    router_free(r);
}

/* allowed may be NULL; a lookup through http_params_get finds the route values. */
static void test_allowed_null_and_lookup(void **state)
{
    (void)state;
    struct router *r = build();
    struct arena a;
    arena_init(&a, 1024);
    http_handler h = NULL;
    struct http_params p;
    assert_int_equal(router_match(r, HTTP_PUT, "/healthz", &a, &h, &p, NULL), ROUTER_METHOD_NOT_ALLOWED);
    assert_int_equal(router_match(r, HTTP_GET, "/programmes/7/phases/2", &a, &h, &p, NULL), ROUTER_FOUND);
    assert_string_equal(http_params_get(&p, "id"), "7");
    assert_string_equal(http_params_get(&p, "pos"), "2");
    assert_null(http_params_get(&p, "file"));
    arena_free(&a);
    router_free(r);
}

/* Parameter values are the arena's copies: the path buffer may change or go afterwards. */
static void test_params_are_copies(void **state)
{
    (void)state;
    struct router *r = build();
    struct arena a;
    arena_init(&a, 1024);
    char path[64];
    http_handler h;
    struct http_params p;
    snprintf(path, sizeof path, "/static/css/app.css");
    assert_int_equal(router_match(r, HTTP_GET, path, &a, &h, &p, NULL), ROUTER_FOUND);
    snprintf(path, sizeof path, "/programmes/99");
    struct http_params p2;
    assert_int_equal(router_match(r, HTTP_GET, path, &a, &h, &p2, NULL), ROUTER_FOUND);
    memset(path, 'X', sizeof path - 1);
    assert_string_equal(http_params_get(&p, "file"), "css/app.css");
    assert_string_equal(http_params_get(&p2, "id"), "99");
    arena_free(&a);
    router_free(r);
}

/* Many routes (the table grows past its first allocation); each finds its own handler. */
static void test_many_routes(void **state)
{
    (void)state;
    struct router *r = router_new();
    char pattern[64];
    for (int i = 0; i < 300; i++) {
        snprintf(pattern, sizeof pattern, "/r%d/{v}", i);
        router_add(r, i % 2 ? HTTP_POST : HTTP_GET, pattern, i % 3 ? h_prog : h_phase);
    }
    struct arena a;
    arena_init(&a, 1024);
    for (int i = 0; i < 300; i++) {
        char path[64];
        snprintf(path, sizeof path, "/r%d/val%d", i, i);
        http_handler h = NULL;
        struct http_params p;
        unsigned allowed = 0;
        assert_int_equal(router_match(r, i % 2 ? HTTP_POST : HTTP_GET, path, &a, &h, &p, &allowed), ROUTER_FOUND);
        assert_ptr_equal(h, i % 3 ? h_prog : h_phase);
        char want[32];
        snprintf(want, sizeof want, "val%d", i);
        assert_string_equal(http_params_get(&p, "v"), want);
        assert_int_equal(router_match(r, i % 2 ? HTTP_GET : HTTP_POST, path, &a, &h, &p, &allowed),
                         ROUTER_METHOD_NOT_ALLOWED);
        assert_int_equal(allowed, i % 2 ? HTTP_POST : (HTTP_GET | HTTP_HEAD));
    }
    arena_free(&a);
    router_free(r);
}

/* An empty router finds nothing; router_free(NULL) is allowed. */
static void test_empty_router(void **state)
{
    (void)state;
    struct router *r = router_new();
    struct arena a;
    arena_init(&a, 256);
    http_handler h = NULL;
    struct http_params p;
    unsigned allowed = 1;
    assert_int_equal(router_match(r, HTTP_GET, "/", &a, &h, &p, &allowed), ROUTER_NOT_FOUND);
    assert_int_equal(allowed, 0);
    arena_free(&a);
    router_free(r);
    router_free(NULL);
}

/* Tags: set by method and exact pattern, read back by the match and by the listing; 0 when none. */
static void test_tags_and_listing(void **state)
{
    (void)state;
    struct router *r = build();
    assert_int_equal(router_count(r), 13);
    assert_true(router_set_tag(r, HTTP_GET, "/programmes/{id}", 7));
    assert_true(router_set_tag(r, HTTP_DELETE, "/programmes/{id}", 8)); /* the other route, same path */
    assert_true(router_set_tag(r, HTTP_GET, "/static/{file...}", 9));
    assert_false(router_set_tag(r, HTTP_GET, "/programmes/42", 1)); /* a path is no pattern */
    assert_false(router_set_tag(r, HTTP_GET, "/submit", 1));        /* POST only */
    assert_false(router_set_tag(r, HTTP_GET, "/nowhere", 1));

    struct arena a;
    arena_init(&a, 1024);
    http_handler h = NULL;
    struct http_params p;
    unsigned allowed = 0;
    int tag = -1;
    assert_int_equal(router_match_tagged(r, HTTP_POST, "/programmes/42", &a, &h, &p, &allowed, &tag), ROUTER_FOUND);
    assert_int_equal(tag, 7);
    assert_ptr_equal(h, h_prog);
    assert_int_equal(router_match_tagged(r, HTTP_DELETE, "/programmes/42", &a, &h, &p, &allowed, &tag), ROUTER_FOUND);
    assert_int_equal(tag, 8);
    assert_int_equal(router_match_tagged(r, HTTP_HEAD, "/static/css/app.css", &a, &h, &p, &allowed, &tag), ROUTER_FOUND);
    assert_int_equal(tag, 9);
    assert_int_equal(router_match_tagged(r, HTTP_GET, "/healthz", &a, &h, &p, &allowed, &tag), ROUTER_FOUND);
    assert_int_equal(tag, 0);
    tag = -1;
    assert_int_equal(router_match_tagged(r, HTTP_GET, "/nowhere", &a, &h, &p, &allowed, &tag), ROUTER_NOT_FOUND);
    assert_int_equal(tag, -1); /* untouched when nothing was found */

    struct router_route_info first = router_route(r, 0), fifth = router_route(r, 4);
    assert_string_equal(first.pattern, "/");
    assert_int_equal(first.methods, HTTP_GET | HTTP_HEAD);
    assert_int_equal(first.tag, 0);
    assert_string_equal(fifth.pattern, "/programmes/{id}");
    assert_int_equal(fifth.methods, HTTP_GET | HTTP_HEAD | HTTP_POST);
    assert_int_equal(fifth.tag, 7);
    assert_null(router_route(r, 13).pattern);
    arena_free(&a);
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_allowed_null_and_lookup),
        cmocka_unit_test(test_params_are_copies),
        cmocka_unit_test(test_many_routes),
        cmocka_unit_test(test_empty_router),
        cmocka_unit_test(test_tags_and_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
