/* device_pages: the device inventory's pages (program/devices.h).
 *
 *   GET  /devices                    the list: filters (state, institution, batch, model, serial),
 *                                    counts per state, pages of 50, open delivery shortfalls, and
 *                                    for managers the allocation form
 *   GET  /devices.csv, /devices.xlsx the same devices as a download
 *   GET  /devices/import, POST       a CSV or XLSX file, previewed, then imported all or nothing
 *   POST /devices/allocate           a programme's allocation from stock, and its result
 *   GET  /devices/labels             an A4 sheet of labels with QR codes (by batch, institution
 *                                    or device), 3 by 8 to a page
 *   GET  /devices/{id}               one device, its history, and for managers the move form
 *                                    offering only the states it may go to
 *   POST /devices/{id}/move
 *   GET  /institutions/{id}/delivery, POST   the institution's contact counts what arrived
 *
 * Who may do what is the policy's (DEVICES_VIEW, DEVICES_MANAGE, DELIVERY_CONFIRM): an
 * institution's contact passes the gate of DEVICES_VIEW and DELIVERY_CONFIRM, and each handler
 * asks the policy again with the institution it reads, so that a contact sees their own
 * institution's devices and deliveries only. */
#ifndef EDUBRIDGE_DEVICE_PAGES_H
#define EDUBRIDGE_DEVICE_PAGES_H

#include "http/router.h"

void device_routes(struct router *r);

#endif
