// SPDX-License-Identifier: LGPL-2.1-or-later
// The shared module: all of its code comes from akis_p11core.
