/* SPDX-License-Identifier: ISC */
/*
 * After the capture is open: pp_drop_privileges() follows tcpdump's order
 * (setgroups, setgid, setuid) and checks that root cannot come back; a
 * process that is not root but holds capabilities gives them all up.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

/* Not root but holding capabilities (setcap, or systemd's
 * AmbientCapabilities=CAP_NET_RAW): give them all up once the capture is
 * open, and check that none is left. */
static int
drop_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    memset(d, 0, sizeof(d));
#ifdef PR_CAP_AMBIENT
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
    if (syscall(SYS_capset, &h, d) < 0) {
        snprintf(err, errlen, "dropping capabilities: %s", strerror(errno));
        return -1;
    }
    if (syscall(SYS_capget, &h, d) < 0 || d[0].effective != 0 || d[0].permitted != 0 ||
        d[1].effective != 0 || d[1].permitted != 0) {
        snprintf(err, errlen, "dropping capabilities did not hold");
        return -1;
    }
    return 0;
}
#else
static int
drop_capabilities(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}
#endif

int
pp_drop_privileges(const char *user, char *err, size_t errlen)
{
    struct passwd *pw;
    uid_t uid;
    gid_t gid;

    if (geteuid() != 0 && getuid() != 0)
        return drop_capabilities(err, errlen);
    if (user == NULL)
        user = "nobody";
    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL && (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EIO)) {
        /* Not "no such user": the lookup itself failed (EMFILE, ...). */
        snprintf(err, errlen, "-Z: cannot look up the user '%s': %s", user, strerror(errno));
        return -1;
    }
    if (pw == NULL) {
        snprintf(err, errlen, "-Z: no user '%s' to run as after opening the capture", user);
        return -1;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    if (uid == 0) {
        snprintf(err, errlen, "-Z: '%s' is root; pushprobe does not keep running as root",
                 user);
        return -1;
    }
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "dropping privileges to '%s': %s", user, strerror(errno));
        return -1;
    }
    /* Verify: no way back to root. */
    if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
        getgid() != gid || getegid() != gid) {
        snprintf(err, errlen, "dropping privileges to '%s' did not hold", user);
        return -1;
    }
    return 0;
}
