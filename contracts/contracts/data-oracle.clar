;; data-oracle
;; Authorised oracles submit, per ended event and committed participant, the
;; baseline and actual energy (Wh) over the event window and the SHA-256 of the
;; meter readings they were computed from. One submission per (event, user):
;; a second is refused. `submit-readings-batch` stores up to 100 entries in one
;; transaction, all or nothing: the first refused entry aborts the batch with
;; that entry's error code.
;;
;; baseline-wh and actual-wh are bounded by MAX-WH (10^15 Wh, a petawatt-hour:
;; far above any participant's energy over a one-day event) so that no
;; verification or settlement arithmetic on them can overflow.
;;
;; Checks per entry, in this order: u502, u503, u504, u505, u506, u507, u509.
;;
;; The acting principal is `contract-caller`.
;; Error codes: u500-u599.

(define-constant MAX-WH u1000000000000000) ;; 10^15 Wh

(define-constant ERR-OWNER-ONLY (err u500))          ;; caller is not the contract owner
(define-constant ERR-NOT-ORACLE (err u501))          ;; caller is not an authorised oracle
(define-constant ERR-EVENT-NOT-FOUND (err u502))     ;; no event with that id
(define-constant ERR-EVENT-NOT-ENDED (err u503))     ;; event is not in status "ended"
(define-constant ERR-NOT-COMMITTED (err u504))       ;; user has no commitment to the event
(define-constant ERR-ALREADY-SUBMITTED (err u505))   ;; a reading for (event, user) already exists
(define-constant ERR-INVALID-BASELINE (err u506))    ;; baseline-wh is zero
(define-constant ERR-INVALID-DATA-HASH (err u507))   ;; data-hash is not 32 bytes
(define-constant ERR-EMPTY-BATCH (err u508))         ;; submit-readings-batch: empty list
(define-constant ERR-READING-TOO-LARGE (err u509))   ;; baseline-wh or actual-wh above MAX-WH

(define-data-var contract-owner principal tx-sender)
(define-map oracles principal bool)

(define-map readings {event-id: uint, user: principal}
  {baseline-wh: uint, actual-wh: uint, data-hash: (buff 32), oracle: principal, submitted-at: uint})

;; ---------------------------------------------------------------------------
;; Submissions
;; ---------------------------------------------------------------------------

(define-public (submit-reading (event-id uint) (user principal) (baseline-wh uint) (actual-wh uint) (data-hash (buff 32)))
  (begin
    (asserts! (is-oracle contract-caller) ERR-NOT-ORACLE)
    (store-reading contract-caller
      {event-id: event-id, user: user, baseline-wh: baseline-wh, actual-wh: actual-wh, data-hash: data-hash})))

(define-public (submit-readings-batch (entries (list 100 {actual-wh: uint, baseline-wh: uint, data-hash: (buff 32), event-id: uint, user: principal})))
  (begin
    (asserts! (is-oracle contract-caller) ERR-NOT-ORACLE)
    (asserts! (> (len entries) u0) ERR-EMPTY-BATCH)
    (fold store-batch-entry entries (ok u0))))

(define-private (store-batch-entry
    (entry {actual-wh: uint, baseline-wh: uint, data-hash: (buff 32), event-id: uint, user: principal})
    (stored (response uint uint)))
  (match stored
    count (begin (try! (store-reading contract-caller entry)) (ok (+ count u1)))
    code (err code)))

(define-private (store-reading (oracle principal)
    (entry {actual-wh: uint, baseline-wh: uint, data-hash: (buff 32), event-id: uint, user: principal}))
  (let ((event-id (get event-id entry))
        (user (get user entry))
        (record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND)))
    (asserts! (is-eq (get status record) "ended") ERR-EVENT-NOT-ENDED)
    (asserts! (is-some (contract-call? .commitment get-commitment event-id user)) ERR-NOT-COMMITTED)
    (asserts! (is-none (map-get? readings {event-id: event-id, user: user})) ERR-ALREADY-SUBMITTED)
    (asserts! (> (get baseline-wh entry) u0) ERR-INVALID-BASELINE)
    (asserts! (is-eq (len (get data-hash entry)) u32) ERR-INVALID-DATA-HASH)
    (asserts! (and (<= (get baseline-wh entry) MAX-WH) (<= (get actual-wh entry) MAX-WH)) ERR-READING-TOO-LARGE)
    (map-set readings {event-id: event-id, user: user}
      {baseline-wh: (get baseline-wh entry), actual-wh: (get actual-wh entry),
       data-hash: (get data-hash entry), oracle: oracle, submitted-at: stacks-block-height})
    (print {event: "dr-reading", event-id: event-id, user: user, baseline-wh: (get baseline-wh entry),
            actual-wh: (get actual-wh entry), data-hash: (get data-hash entry), oracle: oracle})
    (ok true)))

;; ---------------------------------------------------------------------------
;; Administration
;; ---------------------------------------------------------------------------

(define-public (add-oracle (who principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (map-set oracles who true)
    (print {event: "dr-oracle-set", oracle: who, enabled: true})
    (ok true)))

(define-public (remove-oracle (who principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (map-delete oracles who)
    (print {event: "dr-oracle-set", oracle: who, enabled: false})
    (ok true)))

(define-public (set-contract-owner (new-owner principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (var-set contract-owner new-owner)
    (print {event: "dr-owner-changed", contract: "data-oracle", owner: new-owner})
    (ok true)))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (get-reading (event-id uint) (user principal))
  (map-get? readings {event-id: event-id, user: user}))

(define-read-only (is-oracle (who principal))
  (default-to false (map-get? oracles who)))

(define-read-only (get-contract-owner) (var-get contract-owner))

(define-read-only (get-max-wh) MAX-WH)
