;; user-registry.tests.clar
;; Rendezvous (`rv`) invariants and properties for user-registry (appended to
;; user-registry.clar in rendezvous' own simnet only).
;;
;; Random 32-byte buffers would almost never collide, so the helpers below
;; derive device hashes from a small seed space (sha256 of 0..39) to make
;; double links, foreign unlinks and re-links frequent.

(define-constant RV-ACCOUNTS (list
  'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM
  'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5
  'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG
  'ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC
  'ST2NEB84ASENDXKYGJPQW86YXQCEFEX2ZQPG87ND
  'ST2REHHS5J3CERCRBEPMGH7921Q6PYKAADT7JP2VB
  'ST3AM1A56AK2C1XAFJ4115ZSV26EB49BVQ10MGCS0
  'ST3PF13W7Z0RRM42A8VZRVFQ75SV1K26RXEP8YGKJ
  'ST3NBRSFKX28FQ2ZJ1MAKX58HKHSDGNV5N7R21XCP
  'STNHKEPYEPJ8ET55ZZ0M5A34J0R3N5FM2CMMMAZ6))

(define-private (rv-device (seed uint)) (sha256 (mod seed u40)))

;; Fuzzed alongside register-user, link-device and unlink-device; the caller
;; acts for itself, as with the real functions.
(define-public (link-seeded-device (seed uint)) (link-device (rv-device seed)))
(define-public (unlink-seeded-device (seed uint)) (unlink-device (rv-device seed)))

(define-private (rv-count-devices (user principal) (acc uint))
  (+ acc (len (get-user-devices user))))

(define-private (rv-owned-count (seed uint) (acc uint))
  (if (is-some (map-get? device-owners (sha256 seed))) (+ acc u1) acc))

(define-constant RV-SEEDS (list u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 u13 u14 u15 u16 u17 u18 u19
  u20 u21 u22 u23 u24 u25 u26 u27 u28 u29 u30 u31 u32 u33 u34 u35 u36 u37 u38 u39))

;; ---------------------------------------------------------------------------
;; Invariants
;; ---------------------------------------------------------------------------

;; One owner per device: every device listed for a user is owned by that user,
;; and no list exceeds 20 devices.
(define-read-only (invariant-listed-devices-are-owned)
  (fold rv-check-user RV-ACCOUNTS true))

(define-private (rv-check-user (user principal) (ok-so-far bool))
  (and ok-so-far
       (<= (len (get-user-devices user)) MAX-DEVICES)
       (is-eq (fold rv-count-owned-by (get-user-devices user) {user: user, n: u0})
              {user: user, n: (len (get-user-devices user))})))

(define-private (rv-count-owned-by (hash (buff 32)) (acc {user: principal, n: uint}))
  (if (is-eq (map-get? device-owners hash) (some (get user acc)))
      (merge acc {n: (+ (get n acc) u1)})
      acc))

;; Every owned device (of the seeded space) is listed exactly once overall:
;; the number of owned devices equals the total length of all lists.
(define-read-only (invariant-owned-devices-are-listed)
  (is-eq (fold rv-owned-count RV-SEEDS u0) (fold rv-count-devices RV-ACCOUNTS u0)))

;; ---------------------------------------------------------------------------
;; Properties
;; ---------------------------------------------------------------------------

;; Linking claims a free device for the caller; a device that already has an
;; owner (the caller or anyone else) cannot be linked again, and only its owner
;; may unlink it. State persists across runs, so both branches are exercised.
(define-public (test-one-owner-per-device (seed uint))
  (let ((hash (rv-device seed))
        (user contract-caller))
    (if (not (is-registered user)) (try! (register-user)) true)
    (match (map-get? device-owners hash)
      owner (begin
              (asserts! (is-eq (link-device hash) ERR-DEVICE-ALREADY-LINKED) (err u9101))
              (if (is-eq owner user)
                  true
                  (asserts! (is-eq (unlink-device hash) ERR-NOT-DEVICE-OWNER) (err u9102)))
              (asserts! (is-eq (map-get? device-owners hash) (some owner)) (err u9103))
              (ok true))
      (if (>= (len (get-user-devices user)) MAX-DEVICES)
          (ok false) ;; discarded: the caller is full
          (begin
            (try! (link-device hash))
            (asserts! (is-eq (map-get? device-owners hash) (some user)) (err u9104))
            (asserts! (is-eq (link-device hash) ERR-DEVICE-ALREADY-LINKED) (err u9105))
            (ok true))))))
