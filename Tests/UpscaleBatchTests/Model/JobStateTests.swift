import TestSupport
import Testing

@testable import UpscaleBatch

@Suite(.bounded) struct JobStateTests {
    @Test func forwardMovesAreAllowedIncludingSkips() {
        #expect(JobState.pending.canMove(to: .inQueue))
        #expect(JobState.pending.canMove(to: .inProgress))
        #expect(JobState.pending.canMove(to: .completed))
        #expect(JobState.inQueue.canMove(to: .failed))
        #expect(JobState.inProgress.canMove(to: .completed))
    }

    @Test func backwardMovesAndMovesOutOfFinalStatesAreRefused() {
        #expect(!JobState.inProgress.canMove(to: .inQueue))
        #expect(!JobState.inQueue.canMove(to: .pending))
        #expect(!JobState.completed.canMove(to: .failed))
        #expect(!JobState.failed.canMove(to: .completed))
        #expect(!JobState.failed.canMove(to: .pending), "only retry moves FAILED back, not an API answer")
        #expect(!JobState.completed.canMove(to: .inProgress))
    }

    @Test func repeatingTheSameStateIsANoOp() {
        for state in JobState.allCases { #expect(state.canMove(to: state)) }
    }

    @Test func predecessorsMatchCanMove() {
        #expect(Set(JobState.predecessors(of: .completed)) == [.pending, .inQueue, .inProgress, .completed])
        #expect(Set(JobState.predecessors(of: .inQueue)) == [.pending, .inQueue])
        #expect(Set(JobState.predecessors(of: .pending)) == [.pending])
    }
}
