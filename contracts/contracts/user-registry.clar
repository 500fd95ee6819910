;; user-registry
;; Participants register themselves and link the devices (VENs) they own.
;; A device hash is the SHA-256 of the VEN's identity: its venName, or the
;; fingerprint of its client certificate where client certificates are used.
;; A device has at most one owner; a user links at most 20 devices.
;;
;; The acting principal is `contract-caller`.
;; Error codes: u100-u199.

(define-constant MAX-DEVICES u20)

(define-constant ERR-ALREADY-REGISTERED (err u100))    ;; register-user: caller already registered
(define-constant ERR-NOT-REGISTERED (err u101))        ;; link/unlink: caller not registered
(define-constant ERR-INVALID-DEVICE-HASH (err u102))   ;; link: hash is not 32 bytes or is all zeros
(define-constant ERR-DEVICE-ALREADY-LINKED (err u103)) ;; link: device already has an owner
(define-constant ERR-TOO-MANY-DEVICES (err u104))      ;; link: caller already has 20 devices
(define-constant ERR-DEVICE-NOT-FOUND (err u105))      ;; unlink: device has no owner
(define-constant ERR-NOT-DEVICE-OWNER (err u106))      ;; unlink: device owned by someone else

(define-constant ZERO-HASH 0x0000000000000000000000000000000000000000000000000000000000000000)

(define-map users principal {registered-at: uint, devices: (list 20 (buff 32))})
(define-map device-owners (buff 32) principal)

(define-public (register-user)
  (let ((user contract-caller))
    (asserts! (is-none (map-get? users user)) ERR-ALREADY-REGISTERED)
    (map-set users user {registered-at: stacks-block-height, devices: (list)})
    (print {event: "dr-user-registered", user: user})
    (ok true)))

(define-public (link-device (device-hash (buff 32)))
  (let ((user contract-caller)
        (record (unwrap! (map-get? users user) ERR-NOT-REGISTERED)))
    (asserts! (and (is-eq (len device-hash) u32) (not (is-eq device-hash ZERO-HASH))) ERR-INVALID-DEVICE-HASH)
    (asserts! (is-none (map-get? device-owners device-hash)) ERR-DEVICE-ALREADY-LINKED)
    (let ((devices (unwrap! (as-max-len? (append (get devices record) device-hash) u20) ERR-TOO-MANY-DEVICES)))
      (map-set users user (merge record {devices: devices}))
      (map-set device-owners device-hash user)
      (print {event: "dr-device-linked", user: user, device-hash: device-hash, device-count: (len devices)})
      (ok true))))

(define-public (unlink-device (device-hash (buff 32)))
  (let ((user contract-caller)
        (owner (unwrap! (map-get? device-owners device-hash) ERR-DEVICE-NOT-FOUND)))
    (asserts! (is-eq owner user) ERR-NOT-DEVICE-OWNER)
    (let ((record (unwrap! (map-get? users user) ERR-NOT-REGISTERED))
          (devices (get out (fold keep-other-device (get devices record) {target: device-hash, out: (list)}))))
      (map-set users user (merge record {devices: devices}))
      (map-delete device-owners device-hash)
      (print {event: "dr-device-unlinked", user: user, device-hash: device-hash, device-count: (len devices)})
      (ok true))))

(define-private (keep-other-device (hash (buff 32)) (acc {target: (buff 32), out: (list 20 (buff 32))}))
  (if (is-eq hash (get target acc))
      acc
      (merge acc {out: (unwrap-panic (as-max-len? (append (get out acc) hash) u20))})))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

;; (some {registered-at, device-count}) for a registered user, none otherwise.
(define-read-only (get-user (user principal))
  (match (map-get? users user)
    record (some {registered-at: (get registered-at record), device-count: (len (get devices record))})
    none))

(define-read-only (is-registered (user principal))
  (is-some (map-get? users user)))

;; Device hashes in link order; empty for unknown users.
(define-read-only (get-user-devices (user principal))
  (default-to (list) (get devices (map-get? users user))))

(define-read-only (get-device-owner (device-hash (buff 32)))
  (map-get? device-owners device-hash))
