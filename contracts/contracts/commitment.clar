;; commitment
;; A registered user with at least one linked device commits to an event that
;; is still in status "created", promising a percentage reduction and staking
;; reward tokens (at least the event's min-stake). The stake is transferred to
;; the reward-distributor (the escrow). At most 200 participants per event.
;;
;; Checks, in this order: u400, u401, u402, u403, u404, u405, u406, u407, then
;; the stake transfer (reward-token's code, e.g. u205).
;;
;; The acting principal is `contract-caller`.
;; Error codes: u400-u499.

(define-constant MAX-PARTICIPANTS u200)

(define-constant ERR-NOT-REGISTERED (err u400))     ;; caller is not registered in user-registry
(define-constant ERR-NO-DEVICE (err u401))          ;; caller has no linked device
(define-constant ERR-EVENT-NOT-FOUND (err u402))    ;; no event with that id
(define-constant ERR-EVENT-NOT-OPEN (err u403))     ;; event is not in status "created"
(define-constant ERR-ALREADY-COMMITTED (err u404))  ;; caller already committed to the event
(define-constant ERR-INVALID-REDUCTION (err u405))  ;; reduction-pct not in 1..100
(define-constant ERR-STAKE-TOO-LOW (err u406))      ;; stake below the event's min-stake
(define-constant ERR-EVENT-FULL (err u407))         ;; event already has 200 participants

(define-map commitments {event-id: uint, user: principal}
  {reduction-pct: uint, stake: uint, committed-at: uint})

(define-map participants uint (list 200 principal))

(define-public (commit (event-id uint) (reduction-pct uint) (stake uint))
  (let ((user contract-caller)
        (profile (unwrap! (contract-call? .user-registry get-user user) ERR-NOT-REGISTERED)))
    (asserts! (> (get device-count profile) u0) ERR-NO-DEVICE)
    (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND)))
      (asserts! (is-eq (get status record) "created") ERR-EVENT-NOT-OPEN)
      (asserts! (is-none (map-get? commitments {event-id: event-id, user: user})) ERR-ALREADY-COMMITTED)
      (asserts! (and (> reduction-pct u0) (<= reduction-pct u100)) ERR-INVALID-REDUCTION)
      (asserts! (>= stake (get min-stake record)) ERR-STAKE-TOO-LOW)
      (map-set participants event-id
        (unwrap! (as-max-len? (append (get-event-participants event-id) user) u200) ERR-EVENT-FULL))
      (try! (contract-call? .reward-token transfer stake user .reward-distributor none))
      (map-set commitments {event-id: event-id, user: user}
        {reduction-pct: reduction-pct, stake: stake, committed-at: stacks-block-height})
      (print {event: "dr-commitment", event-id: event-id, user: user, reduction-pct: reduction-pct, stake: stake})
      (ok true))))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (get-commitment (event-id uint) (user principal))
  (map-get? commitments {event-id: event-id, user: user}))

;; Participants in commitment order (at most 200); empty for unknown events.
(define-read-only (get-event-participants (event-id uint))
  (default-to (list) (map-get? participants event-id)))

(define-read-only (get-participant-count (event-id uint))
  (len (get-event-participants event-id)))
