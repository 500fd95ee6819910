;; reward-distributor
;; Escrow of every reward pool and stake, and their settlement.
;;
;; - claim (claim-for: anyone, on the participant's behalf): a compliant participant, once the event is finalised (every
;;   participant verified), gets back the stake plus
;;     reward = reward-pool * reduction-wh / total-compliant-reduction-wh (floor)
;;   and, when the event's reward-multiplier is above 100, a bonus of
;;     reward * (reward-multiplier - 100) / 100, minted (not taken from the pool).
;; - slash: anyone may settle a verified non-compliant participant: the penalty
;;   stake * penalty-rate / 100 (event snapshot) goes to the treasury
;;   (governance-dao), the rest of the stake back to the participant.
;; - refund-stake: anyone may return a participant's full stake once the event
;;   is cancelled.
;; - reclaim-pool: the event's operator takes back what the pool did not pay
;;   (rounding dust, or all of it when nobody complied or the event was
;;   cancelled), once every stake is settled (or at once if cancelled).
;;
;; Every stake is settled exactly once (claimed, slashed or refunded); the sum
;; paid out of a pool never exceeds it.
;;
;; Arithmetic: shares, bonuses and penalties are computed with `mul-div`, which
;; never forms an intermediate product above its operands' range; the pool is
;; bounded by event-manager (10^24) and readings by data-oracle (10^15 Wh), so
;; no settlement can abort on an overflow and lock its stake.
;;
;; Ways out of the escrow: every stake of an ended event is settled by claim
;; (the participant), claim-for or slash (anyone); of a cancelled event by
;; refund-stake (anyone); the pool by reclaim-pool (its operator). An event
;; whose operator went away is ended or cancelled by anyone after its grace
;; (event-manager), and verified by anyone after VERIFICATION-WINDOW
;; (verification-engine), so every one of these paths stays open.
;;
;; Check order: claim/claim-for u700, u701, u706, u702, u704, u703;
;; slash u700, u701, u706, u702, u705; refund-stake u700, u701, u706, u708;
;; reclaim-pool u700, u709, u710, u712, u711.
;;
;; The acting principal is `contract-caller`.
;; Error codes: u700-u799.

(define-constant TREASURY .governance-dao)
(define-constant MAX-UINT u340282366920938463463374607431768211455)

(define-constant ERR-EVENT-NOT-FOUND (err u700))     ;; no event with that id
(define-constant ERR-NOT-COMMITTED (err u701))       ;; user has no commitment to the event
(define-constant ERR-NOT-VERIFIED (err u702))        ;; claim/slash: pair not verified yet
(define-constant ERR-NOT-FINALIZED (err u703))       ;; claim: not every participant verified yet
(define-constant ERR-NOT-COMPLIANT (err u704))       ;; claim: participant was not compliant
(define-constant ERR-COMPLIANT (err u705))           ;; slash: participant was compliant
(define-constant ERR-ALREADY-SETTLED (err u706))     ;; claim/slash/refund: stake already settled
(define-constant ERR-POOL-EXHAUSTED (err u707))      ;; claim: payout would exceed the pool (never expected)
(define-constant ERR-NOT-CANCELLED (err u708))       ;; refund-stake: event is not cancelled
(define-constant ERR-NOT-EVENT-OPERATOR (err u709))  ;; reclaim-pool: caller is not the event's operator
(define-constant ERR-EVENT-NOT-CLOSED (err u710))    ;; reclaim-pool: event is neither ended nor cancelled
(define-constant ERR-NOT-ALL-SETTLED (err u711))     ;; reclaim-pool: some stakes of the ended event are unsettled
(define-constant ERR-ALREADY-RECLAIMED (err u712))   ;; reclaim-pool: already reclaimed

(define-map settlements {event-id: uint, user: principal}
  {outcome: (string-ascii 16), stake: uint, stake-returned: uint, reward: uint, bonus: uint, penalty: uint, settled-at: uint})

(define-map ledgers uint {paid-out: uint, settled-count: uint, reclaimed: bool})

;; ---------------------------------------------------------------------------
;; Settlement
;; ---------------------------------------------------------------------------

(define-public (claim (event-id uint))
  (claim-as event-id contract-caller))

;; Anyone may settle a compliant participant's claim on its behalf: the stake
;; and reward go to the participant, never to the caller. This is the way out
;; for a pool whose operator waits on a participant who never claims.
(define-public (claim-for (event-id uint) (user principal))
  (claim-as event-id user))

;; Checks, in this order: u700, u701, u706, u702, u704, u703.
(define-private (claim-as (event-id uint) (user principal))
  (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND))
        (pledge (unwrap! (contract-call? .commitment get-commitment event-id user) ERR-NOT-COMMITTED)))
    (asserts! (is-none (get-settlement event-id user)) ERR-ALREADY-SETTLED)
    (let ((result (unwrap! (contract-call? .verification-engine get-verification event-id user) ERR-NOT-VERIFIED)))
    (asserts! (get compliant result) ERR-NOT-COMPLIANT)
    (asserts! (contract-call? .verification-engine is-event-finalized event-id) ERR-NOT-FINALIZED)
    (let ((summary (contract-call? .verification-engine get-event-summary event-id))
          (ledger (get-ledger event-id))
          (pool (get reward-pool record))
          (multiplier (get reward-multiplier record))
          (reward (mul-div pool (get reduction-wh result) (get total-compliant-reduction-wh summary)))
          (bonus (if (> multiplier u100) (mul-div reward (- multiplier u100) u100) u0))
          (stake (get stake pledge)))
      (asserts! (<= reward (- pool (get paid-out ledger))) ERR-POOL-EXHAUSTED)
      (try! (pay user (+ stake reward)))
      (let ((bonus-paid (mint-bonus user bonus)))
        (map-set ledgers event-id
          (merge ledger {paid-out: (+ (get paid-out ledger) reward), settled-count: (+ (get settled-count ledger) u1)}))
        (settle event-id user "dr-reward-claimed" "claimed" stake stake reward bonus-paid u0))))))

(define-public (slash (event-id uint) (user principal))
  (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND))
        (pledge (unwrap! (contract-call? .commitment get-commitment event-id user) ERR-NOT-COMMITTED)))
    (asserts! (is-none (get-settlement event-id user)) ERR-ALREADY-SETTLED)
    (let ((result (unwrap! (contract-call? .verification-engine get-verification event-id user) ERR-NOT-VERIFIED)))
    (asserts! (not (get compliant result)) ERR-COMPLIANT)
    (let ((stake (get stake pledge))
          (penalty (mul-div stake (get penalty-rate record) u100))
          (returned (- stake penalty))
          (ledger (get-ledger event-id)))
      (and (> returned u0) (try! (pay user returned)))
      (and (> penalty u0) (try! (pay TREASURY penalty)))
      (map-set ledgers event-id (merge ledger {settled-count: (+ (get settled-count ledger) u1)}))
      (settle event-id user "dr-stake-slashed" "slashed" stake returned u0 u0 penalty)))))

(define-public (refund-stake (event-id uint) (user principal))
  (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND))
        (pledge (unwrap! (contract-call? .commitment get-commitment event-id user) ERR-NOT-COMMITTED)))
    (asserts! (is-none (get-settlement event-id user)) ERR-ALREADY-SETTLED)
    (asserts! (is-eq (get status record) "cancelled") ERR-NOT-CANCELLED)
    (let ((stake (get stake pledge))
          (ledger (get-ledger event-id)))
      (try! (pay user stake))
      (map-set ledgers event-id (merge ledger {settled-count: (+ (get settled-count ledger) u1)}))
      (settle event-id user "dr-stake-refunded" "refunded" stake stake u0 u0 u0))))

(define-public (reclaim-pool (event-id uint))
  (let ((record (unwrap! (contract-call? .event-manager get-event event-id) ERR-EVENT-NOT-FOUND))
        (operator (get operator record))
        (status (get status record))
        (ledger (get-ledger event-id)))
    (asserts! (is-eq contract-caller operator) ERR-NOT-EVENT-OPERATOR)
    (asserts! (or (is-eq status "ended") (is-eq status "cancelled")) ERR-EVENT-NOT-CLOSED)
    (asserts! (not (get reclaimed ledger)) ERR-ALREADY-RECLAIMED)
    (asserts! (or (is-eq status "cancelled")
                  (is-eq (get settled-count ledger) (contract-call? .commitment get-participant-count event-id)))
              ERR-NOT-ALL-SETTLED)
    (let ((amount (- (get reward-pool record) (get paid-out ledger))))
      (and (> amount u0) (try! (pay operator amount)))
      (map-set ledgers event-id (merge ledger {paid-out: (+ (get paid-out ledger) amount), reclaimed: true}))
      (print {event: "dr-pool-reclaimed", event-id: event-id, operator: operator, amount: amount})
      (ok amount))))

;; floor(a * b / c) without forming a * b: with b <= c (a share of c) or
;; c = 100 (a percentage) the terms stay below a and c * b. u0 when c is zero.
(define-private (mul-div (a uint) (b uint) (c uint))
  (if (is-eq c u0)
      u0
      (+ (* (/ a c) b) (/ (* (mod a c) b) c))))

;; Mints the reward-multiplier bonus if it can be minted: a bonus that would
;; take the supply past 2^128 - 1, or a mint that reward-token refuses (the
;; owner revoked the distributor's minter right), pays no bonus (u0) instead of
;; aborting the claim, so that the stake and the reward are never locked.
(define-private (mint-bonus (user principal) (bonus uint))
  (if (and (> bonus u0)
           (<= bonus (- MAX-UINT (unwrap-panic (contract-call? .reward-token get-total-supply)))))
      ;; No asset allowance: minting moves nothing out of the escrow. The
      ;; mint's result is read inside (a `try!` there would abort the claim).
      (match (as-contract? () (is-ok (contract-call? .reward-token mint bonus user)))
        minted (if minted bonus u0)
        refused u0)
      u0))

;; Transfer from the escrow (this contract), allowing exactly `amount` DRT
;; out of it (Clarity 4 `as-contract?` with a `with-ft` allowance).
(define-private (pay (recipient principal) (amount uint))
  (as-contract? ((with-ft .reward-token "drt" amount))
    (try! (contract-call? .reward-token transfer amount current-contract recipient none))))

(define-private (settle (event-id uint) (user principal) (name (string-ascii 32)) (outcome (string-ascii 16))
                        (stake uint) (returned uint) (reward uint) (bonus uint) (penalty uint))
  (let ((entry {outcome: outcome, stake: stake, stake-returned: returned, reward: reward, bonus: bonus,
                penalty: penalty, settled-at: stacks-block-height}))
    (map-set settlements {event-id: event-id, user: user} entry)
    (print (merge {event: name, event-id: event-id, user: user} entry))
    (ok entry)))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (get-settlement (event-id uint) (user principal))
  (map-get? settlements {event-id: event-id, user: user}))

;; paid-out counts rewards and the reclaimed remainder; settled-count counts stakes.
(define-read-only (get-ledger (event-id uint))
  (default-to {paid-out: u0, settled-count: u0, reclaimed: false} (map-get? ledgers event-id)))

(define-read-only (get-escrow-balance)
  (unwrap-panic (contract-call? .reward-token get-balance current-contract)))
