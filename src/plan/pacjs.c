/* SPDX-License-Identifier: ISC */
/*
 * The PAC script in duktape, inside the child of pac.c: a heap whose
 * allocator stops at the memory cap, the standard PAC helpers (in
 * JavaScript below; dnsResolve, myIpAddress and the clock in C, reading
 * only the caller's table), the script, then FindProxyForURL per query.
 * Without duktape the build says so (pp_pac_available()).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/url.h"
#include "plan/pac.h"

#ifdef HAVE_DUKTAPE
#include <duktape.h>

bool
pp_pac_available(void)
{
    return true;
}

/* The PAC helper functions of Netscape's specification (and Microsoft's
 * Ex forms of the name functions), written for this file.  isInNet() and
 * isResolvable() on a name go through dnsResolve(), which reads the
 * caller's table: a name not in it is not resolvable. */
static const char pac_helpers[] =
    "function alert(m) {}\n"
    "function isPlainHostName(h) { return String(h).indexOf('.') < 0; }\n"
    "function dnsDomainIs(h, d) { h = String(h).toLowerCase(); d = String(d).toLowerCase();\n"
    "  return h.length >= d.length && h.substring(h.length - d.length) === d; }\n"
    "function localHostOrDomainIs(h, hd) { h = String(h).toLowerCase();\n"
    "  hd = String(hd).toLowerCase(); if (h === hd) return true;\n"
    "  return h.indexOf('.') < 0 && hd.split('.')[0] === h; }\n"
    "function __pp_v4(s) { var m = /^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$/"
    ".exec(String(s));\n"
    "  if (!m) return false; for (var i = 1; i < 5; i++) if (+m[i] > 255) return false;\n"
    "  return true; }\n"
    "function convert_addr(ip) { var p = String(ip).split('.');\n"
    "  return ((p[0] << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff))"
    " >>> 0; }\n"
    "function isResolvable(h) { return dnsResolve(h) !== null; }\n"
    "function isResolvableEx(h) { return dnsResolveEx(h) !== ''; }\n"
    "function isInNet(h, pat, mask) { var a = __pp_v4(h) ? String(h) : dnsResolve(h);\n"
    "  if (a === null || !__pp_v4(a) || !__pp_v4(pat) || !__pp_v4(mask)) return false;\n"
    "  var m = convert_addr(mask);\n"
    "  return ((convert_addr(a) & m) >>> 0) === ((convert_addr(pat) & m) >>> 0); }\n"
    "function dnsDomainLevels(h) { return String(h).split('.').length - 1; }\n"
    "function shExpMatch(s, p) { var r = '', c; p = String(p);\n"
    "  for (var i = 0; i < p.length; i++) { c = p.charAt(i);\n"
    "    if (c === '*') r += '.*'; else if (c === '?') r += '.';\n"
    "    else if ('\\\\^$.|+()[]{}/'.indexOf(c) >= 0) r += '\\\\' + c; else r += c; }\n"
    "  return new RegExp('^' + r + '$').test(String(s)); }\n"
    "var __pp_days = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];\n"
    "var __pp_months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP',"
    " 'OCT', 'NOV', 'DEC'];\n"
    "function __pp_args(a) { var v = Array.prototype.slice.call(a);\n"
    "  var gmt = v.length > 0 && String(v[v.length - 1]).toUpperCase() === 'GMT';\n"
    "  if (gmt) v.pop(); return {v: v, gmt: gmt}; }\n"
    "function __pp_parts(gmt) { var d = new Date(__pp_now());\n"
    "  return gmt ? {y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(),\n"
    "    wd: d.getUTCDay(), s: d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 +"
    " d.getUTCSeconds()}\n"
    "   : {y: d.getFullYear(), mo: d.getMonth(), d: d.getDate(), wd: d.getDay(),\n"
    "    s: d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds()}; }\n"
    "function weekdayRange() { var a = __pp_args(arguments), t = __pp_parts(a.gmt);\n"
    "  var w1 = __pp_days.indexOf(String(a.v[0]).toUpperCase());\n"
    "  var w2 = a.v.length > 1 ? __pp_days.indexOf(String(a.v[1]).toUpperCase()) : w1;\n"
    "  if (w1 < 0 || w2 < 0) return false;\n"
    "  return w1 <= w2 ? t.wd >= w1 && t.wd <= w2 : t.wd >= w1 || t.wd <= w2; }\n"
    "function __pp_in(lo, x, hi) { return lo <= hi ? lo <= x && x <= hi : x >= lo || x <= hi; }\n"
    "function timeRange() { var a = __pp_args(arguments), t = __pp_parts(a.gmt), n = [];\n"
    "  for (var i = 0; i < a.v.length; i++) n.push(Number(a.v[i]));\n"
    "  var h = Math.floor(t.s / 3600);\n"
    "  if (n.length === 1) return h === n[0];\n"
    "  if (n.length === 2) return __pp_in(n[0] * 3600, t.s, n[1] * 3600 - 1);\n"
    "  if (n.length === 4) return __pp_in(n[0] * 3600 + n[1] * 60, t.s,"
    " n[2] * 3600 + n[3] * 60 - 1);\n"
    "  if (n.length === 6) return __pp_in(n[0] * 3600 + n[1] * 60 + n[2], t.s,\n"
    "    n[3] * 3600 + n[4] * 60 + n[5]);\n"
    "  return false; }\n"
    /* dateRange: each half of the arguments is a date of day, month and
     * year parts (a number up to 31 is a day, above a year, a name a
     * month); a part the halves leave out is the current one. */
    "function __pp_half(v, t, end) { var r = {y: -1, mo: -1, d: -1};\n"
    "  for (var i = 0; i < v.length; i++) { var x = String(v[i]).toUpperCase();\n"
    "    var m = __pp_months.indexOf(x);\n"
    "    if (m >= 0) r.mo = m; else if (/^\\d+$/.test(x)) { if (+x <= 31) r.d = +x;"
    " else r.y = +x; }\n"
    "    else return null; }\n"
    "  return r; }\n"
    "function __pp_key(r, t, end, has) { var y = has.y ? r.y : t.y;\n"
    "  var mo = has.mo ? r.mo : (has.y ? (end ? 11 : 0) : t.mo);\n"
    "  var d = has.d ? r.d : ((has.y || has.mo) ? (end ? 31 : 1) : t.d);\n"
    "  return y * 10000 + mo * 100 + d; }\n"
    "function dateRange() { var a = __pp_args(arguments), t = __pp_parts(a.gmt), v = a.v;\n"
    "  if (v.length < 1 || v.length > 6 || (v.length > 1 && v.length % 2)) return false;\n"
    "  var one = v.length === 1;\n"
    "  var lo = __pp_half(one ? v : v.slice(0, v.length >> 1), t, false);\n"
    "  var hi = __pp_half(one ? v : v.slice(v.length >> 1), t, true);\n"
    "  if (lo === null || hi === null) return false;\n"
    "  var has = {y: lo.y >= 0 || hi.y >= 0, mo: lo.mo >= 0 || hi.mo >= 0,"
    " d: lo.d >= 0 || hi.d >= 0};\n"
    "  if ((lo.y >= 0) !== (hi.y >= 0) || (lo.mo >= 0) !== (hi.mo >= 0) ||"
    " (lo.d >= 0) !== (hi.d >= 0)) return false;\n"
    "  var now = t.y * 10000 + t.mo * 100 + t.d;\n"
    "  var k1 = __pp_key(lo, t, false, has), k2 = __pp_key(hi, t, true, has);\n"
    "  if (!has.y && k1 > k2) return now >= k1 || now <= k2;\n"
    "  return k1 <= now && now <= k2; }\n";

/* The memory cap: each block carries its size in front. */
struct heap_budget {
    size_t used, max;
};

#define HDR 16

static void *
budget_alloc(void *ud, duk_size_t size)
{
    struct heap_budget *b = ud;
    unsigned char *p;

    if (size > b->max - b->used || (p = malloc(size + HDR)) == NULL)
        return NULL;
    memcpy(p, &size, sizeof(size));
    b->used += size;
    return p + HDR;
}

static void
budget_free(void *ud, void *ptr)
{
    struct heap_budget *b = ud;
    unsigned char *p = ptr;
    size_t size;

    if (p == NULL)
        return;
    memcpy(&size, p - HDR, sizeof(size));
    b->used -= size;
    free(p - HDR);
}

static void *
budget_realloc(void *ud, void *ptr, duk_size_t size)
{
    struct heap_budget *b = ud;
    unsigned char *p = ptr, *q;
    size_t old;

    if (p == NULL)
        return budget_alloc(ud, size);
    if (size == 0) {
        budget_free(ud, ptr);
        return NULL;
    }
    memcpy(&old, p - HDR, sizeof(old));
    if (size > old && size - old > b->max - b->used)
        return NULL;
    q = realloc(p - HDR, size + HDR);
    if (q == NULL)
        return NULL;
    memcpy(q, &size, sizeof(size));
    b->used = b->used - old + size;
    return q + HDR;
}

static void
fatal_handler(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
    _exit(3);
}

static const struct pp_pac_env *the_env;

static int
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
put_record(int fd, char type, const char *text, size_t n)
{
    unsigned char h[5];

    if (n > PP_PAC_ANSWER_MAX + 256)
        n = PP_PAC_ANSWER_MAX + 256;
    h[0] = (unsigned char)type;
    h[1] = (unsigned char)(n >> 24);
    h[2] = (unsigned char)(n >> 16);
    h[3] = (unsigned char)(n >> 8);
    h[4] = (unsigned char)n;
    return write_all(fd, (const char *)h, 5) < 0 || write_all(fd, text, n) < 0 ? -1 : 0;
}

static int
put_error(int fd, char type, const char *what, duk_context *ctx)
{
    char msg[300];

    snprintf(msg, sizeof(msg), "%s: %.200s", what, duk_safe_to_string(ctx, -1));
    return put_record(fd, type, msg, strlen(msg));
}

/* The table's addresses for a name ("" for none), IPv4 first; all of them
 * when all, else the first IPv4 one. */
static void
push_resolved(duk_context *ctx, bool all)
{
    const char *h = duk_safe_to_string(ctx, 0);
    size_t i, hl = strlen(h);
    char out[1024] = "";

    if (hl > 0 && h[hl - 1] == '.')
        hl--;
    if (pp_host_literal(h) == 4 || (all && pp_host_literal(h) == 6)) {
        duk_push_string(ctx, h);
        return;
    }
    for (int pass = 0; pass < 2; pass++)
        for (i = 0; i < the_env->nnames; i++) {
            const struct pp_pac_name *nm = &the_env->names[i];
            int fam = pp_host_literal(nm->addr);

            if (strlen(nm->name) != hl || strncasecmp(nm->name, h, hl) != 0 ||
                fam != (pass == 0 ? 4 : 6) || (!all && fam != 4))
                continue;
            if (!all) {
                duk_push_string(ctx, nm->addr);
                return;
            }
            if (strlen(out) + strlen(nm->addr) + 2 < sizeof(out))
                snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
                         out[0] ? ";" : "", nm->addr);
        }
    if (all)
        duk_push_string(ctx, out);
    else
        duk_push_null(ctx);
}

static duk_ret_t
js_dns_resolve(duk_context *ctx)
{
    push_resolved(ctx, false);
    return 1;
}

static duk_ret_t
js_dns_resolve_ex(duk_context *ctx)
{
    push_resolved(ctx, true);
    return 1;
}

static duk_ret_t
js_my_ip(duk_context *ctx)
{
    duk_push_string(ctx, the_env->my_ip != NULL ? the_env->my_ip : "127.0.0.1");
    return 1;
}

static duk_ret_t
js_now(duk_context *ctx)
{
    struct timeval tv;

    if (the_env->now_ms != 0) {
        duk_push_number(ctx, (double)the_env->now_ms);
        return 1;
    }
    gettimeofday(&tv, NULL);
    duk_push_number(ctx, (double)tv.tv_sec * 1000.0 + (double)(tv.tv_usec / 1000));
    return 1;
}

static void
add_native(duk_context *ctx, const char *name, duk_c_function fn, duk_idx_t nargs)
{
    duk_push_c_function(ctx, fn, nargs);
    duk_put_global_string(ctx, name);
}

/* The helpers, then the script; 0, or -1 with the error on the stack's
 * top and what failed in *what. */
static int
load_script(duk_context *ctx, const char *script, size_t len, const char **what)
{
    add_native(ctx, "dnsResolve", js_dns_resolve, 1);
    add_native(ctx, "dnsResolveEx", js_dns_resolve_ex, 1);
    add_native(ctx, "myIpAddress", js_my_ip, 0);
    add_native(ctx, "myIpAddressEx", js_my_ip, 0);
    add_native(ctx, "__pp_now", js_now, 0);
    *what = "the PAC helpers";
    if (duk_peval_string_noresult(ctx, pac_helpers) != 0) {
        duk_push_string(ctx, "internal error");
        return -1;
    }
    *what = "the PAC script does not compile";
    duk_push_string(ctx, "pac");
    if (duk_pcompile_lstring_filename(ctx, 0, script, len) != 0)
        return -1;
    *what = "the PAC script failed";
    if (duk_pcall(ctx, 0) != 0)
        return -1;
    duk_pop(ctx);
    *what = "the PAC script has no function FindProxyForURL";
    if (!duk_get_global_string(ctx, "FindProxyForURL") || !duk_is_callable(ctx, -1)) {
        duk_pop(ctx);
        duk_push_string(ctx, "not defined");
        return -1;
    }
    duk_pop(ctx);
    return 0;
}

/* One query: an 'A' record with the answer or an 'X' with why not. */
static int
answer_query(duk_context *ctx, const struct pp_pac_query *q, int fd)
{
    duk_size_t n;
    const char *s;
    int rc;

    duk_get_global_string(ctx, "FindProxyForURL");
    duk_push_string(ctx, q->url);
    duk_push_string(ctx, q->host);
    if (duk_pcall(ctx, 2) != 0) {
        rc = put_error(fd, 'X', "FindProxyForURL threw", ctx);
    } else if (!duk_is_string(ctx, -1)) {
        char msg[120];
        snprintf(msg, sizeof(msg), "FindProxyForURL returned %s, not a string",
                 duk_is_null_or_undefined(ctx, -1) ? "nothing" : "a non-string");
        rc = put_record(fd, 'X', msg, strlen(msg));
    } else {
        s = duk_get_lstring(ctx, -1, &n);
        if (n > PP_PAC_ANSWER_MAX) {
            char msg[120];
            snprintf(msg, sizeof(msg), "FindProxyForURL returned %lu bytes, over the limit of %d",
                     (unsigned long)n, PP_PAC_ANSWER_MAX);
            rc = put_record(fd, 'X', msg, strlen(msg));
        } else {
            rc = put_record(fd, 'A', s, n);
        }
    }
    duk_pop(ctx);
    return rc;
}

int
pp_pac_run_child(const char *script, size_t len, const struct pp_pac_env *env,
                 const struct pp_pac_query *q, size_t n, int fd)
{
    struct heap_budget b = {0, env->mem_max > 0 ? env->mem_max : PP_PAC_MEM_MAX};
    duk_context *ctx;
    const char *what = "";
    size_t i;
    int rc = 0;

    the_env = env;
    ctx = duk_create_heap(budget_alloc, budget_realloc, budget_free, &b, fatal_handler);
    if (ctx == NULL) {
        put_record(fd, 'E', "no memory for the PAC engine", 28);
        return -1;
    }
    if (load_script(ctx, script, len, &what) < 0) {
        put_error(fd, 'E', what, ctx);
        duk_destroy_heap(ctx);
        return -1;
    }
    put_record(fd, 'C', "", 0);
    for (i = 0; i < n && rc == 0; i++)
        rc = answer_query(ctx, &q[i], fd);
    duk_destroy_heap(ctx);
    return rc;
}

#else /* !HAVE_DUKTAPE */

bool
pp_pac_available(void)
{
    return false;
}

int
pp_pac_run_child(const char *script, size_t len, const struct pp_pac_env *env,
                 const struct pp_pac_query *q, size_t n, int fd)
{
    (void)script;
    (void)len;
    (void)env;
    (void)q;
    (void)n;
    (void)fd;
    return -1;
}

#endif
